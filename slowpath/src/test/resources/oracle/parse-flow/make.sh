#!/bin/sh
# Records what Open vSwitch 3.1's ovs-ofctl makes of each rule in flows.txt: its normalised rule
# (the text after "ADD ") or its error. OvsFlowSyntaxAgreementTest compares Flowgate with it.
cd "$(dirname "$0")"
grep -v '^#' flows.txt | while IFS= read -r rule; do
    out=$(ovs-ofctl -O OpenFlow13 parse-flow "$rule" 2>&1 | tail -1)
    case "$out" in
        *"ADD "*) printf '%s\t%s\n' "$rule" "${out#*ADD }" ;;
        *) printf '%s\terror: %s\n' "$rule" "${out#ovs-ofctl: }" ;;
    esac
done > expected.txt
