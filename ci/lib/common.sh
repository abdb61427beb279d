# Shared by the launcher and the ci/ scripts. Source it; it defines functions only.

# Prints the home of a JDK whose major version is at least 25: $JAVA_HOME if it qualifies,
# else the newest one under /usr/lib/jvm (where Debian and Temurin packages put them).
find_jdk25() {
    local candidate major best="" best_major=0
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] && [ -f "$candidate/release" ] || continue
        major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$candidate/release")
        [ -n "$major" ] && [ "$major" -ge 25 ] || continue
        if [ "$candidate" = "${JAVA_HOME:-}" ]; then echo "$candidate"; return 0; fi
        if [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
    done
    [ -n "$best" ] || return 1
    echo "$best"
}

require_jdk25() {
    JAVA_HOME=$(find_jdk25) || {
        echo "flowgate: no JDK 25 found (looked at \$JAVA_HOME and /usr/lib/jvm/*); install Temurin 25" >&2
        exit 1
    }
    export JAVA_HOME
}

# Installs the Debian packages named in $@ that are missing. Needs root; otherwise names them.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "flowgate: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "flowgate: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
