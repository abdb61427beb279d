#!/usr/bin/env bash
# Regenerates Flowgate's DPDK bindings with jextract (https://jdk.java.net/jextract/), where it is
# installed, for the functions and structs that bindings/src/main/java uses.
#
#   bindings/jextract.sh [OUTDIR]      (default: bindings/target/jextract)
#
# The checked-in classes have jextract's shape (a class per header with typed static methods over
# cached method handles, a class per struct with its layout and offsets) but differ from raw
# jextract output on purpose, and so this script writes to OUTDIR and compares instead of
# overwriting them:
#   - fast-path downcalls (fg_rx_burst, fg_tx_burst, fg_pktmbuf_*) take and return addresses as
#     `long` and are linked with Linker.Option.critical(false): no MemorySegment per call;
#   - struct classes describe only the fields Flowgate touches (the rest is padding), and every
#     offset they declare is checked against the shim's fg_layout() at start-up (Layouts.java).
# After a DPDK upgrade, run this, read the comparison it prints, and carry changed signatures or
# offsets into the checked-in classes; LayoutsTest then proves the offsets.
#
# jextract is not a Debian package nor on Maven Central; install it from jdk.java.net and put its
# bin/ on PATH (or set JEXTRACT=/path/to/jextract).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$here/target/jextract}
jextract=${JEXTRACT:-$(command -v jextract || true)}
if [[ -z "$jextract" || ! -x "$jextract" ]]; then
    echo "jextract.sh: jextract not found (set JEXTRACT or put it on PATH; get it from https://jdk.java.net/jextract/)" >&2
    exit 2
fi
cflags=$(pkg-config --cflags libdpdk) || { echo "jextract.sh: pkg-config libdpdk failed (install libdpdk-dev)" >&2; exit 2; }
includes=()
for flag in $cflags; do
    case "$flag" in -I*) includes+=(-I "${flag#-I}") ;; esac
done
package=io.flowgate.bindings
src=$here/src/main/java/${package//.//}

# Every function the checked-in bindings link, by the header that declares it.
functions_in() { grep -ho 'downcall("[a-z_0-9]*"' "$src/$1.java" | sed 's/downcall("//; s/"//' | sort -u; }

# gen HEADER_CLASS HEADER_FILE [STRUCT...]: one jextract run restricted to what Flowgate uses.
gen() {
    local cls=$1 header=$2; shift 2
    local args=() fn st
    for fn in $(functions_in "$cls"); do args+=(--include-function "$fn"); done
    for st in "$@"; do args+=(--include-struct "$st"); done
    mkdir -p "$out/$cls"
    "$jextract" "${includes[@]}" -I "$root/native/src/main/c" \
        --target-package "$package" --header-class-name "$cls" --library flowgate \
        --output "$out/$cls" "${args[@]}" "$header"
}

rm -rf "$out"
gen flowgate_shim_h "$root/native/src/main/c/flowgate_shim.h"
gen rte_eal_h "$(dirname "$0")/jextract-eal.h"
gen rte_ethdev_h rte_ethdev.h rte_eth_conf rte_eth_dev_info rte_eth_stats
gen rte_mbuf_h rte_mbuf.h rte_mbuf

# Compare method signatures: what jextract declares against what the checked-in classes declare.
signatures() { grep -hoE 'public static [A-Za-z.]+ [a-z_0-9]+\(' "$@" | sed 's/($//' | sort -u; }
for cls in flowgate_shim_h rte_eal_h rte_ethdev_h rte_mbuf_h; do
    generated=$(find "$out/$cls" -name "$cls*.java")
    echo "== $cls: signatures only in jextract's output (<) or only in bindings/src (>)"
    diff <(signatures $generated) <(signatures "$src/$cls.java") || true
done
echo "jextract output is in $out"
