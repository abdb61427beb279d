#!/usr/bin/python3
"""Records what real Open vSwitch 3.1 does with each scenario in scenarios/: for every flow of
NN-name.traces, `ovs-appctl ofproto/trace br0 FLOW` on a netdev bridge whose rules come from
NN-name.flows (`ovs-ofctl -O OpenFlow13 add-flows`) and groups from NN-name.groups. The
'Megaflow:' and 'Datapath actions:' lines go to NN-name.expected, with datapath port numbers
mapped back to OpenFlow port numbers (the bridge's own port takes datapath port 1).

Run as root from this directory with Debian's openvswitch-switch installed:
    /usr/bin/python3 make.py
"""
import glob
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SANDBOX = os.path.join(HERE, "../../../../../../ci/ovs/sandbox")
PORTS = 9


def main():
    scratch = tempfile.mkdtemp(prefix="fg-ovs-trace-")
    subprocess.run([SANDBOX, "start", scratch], check=True)
    try:
        def ovs(*args, check=True):
            r = subprocess.run([SANDBOX, "run", scratch, *args], capture_output=True, text=True)
            if check and r.returncode != 0:
                raise RuntimeError(f"{' '.join(args)}: {r.stderr}")
            return r.stdout

        ovs("ovs-vsctl", "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
            "protocols=OpenFlow10,OpenFlow13,OpenFlow15")
        for i in range(1, PORTS + 1):
            ovs("ovs-vsctl", "add-port", "br0", f"p{i}", "--", "set", "interface", f"p{i}",
                "type=dummy", f"ofport_request={i}")
        dp_to_of = {}
        for line in ovs("ovs-appctl", "dpctl/show").splitlines():
            m = re.match(r"\s*port (\d+): p(\d+) ", line)
            if m:
                dp_to_of[m.group(1)] = m.group(2)
        assert len(dp_to_of) == PORTS, dp_to_of

        def of_ports(actions):
            # Bare numbers outside parentheses are output ports; leave userspace(...) arguments alone.
            out, depth, token = [], 0, ""
            for ch in actions + ",":
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                if ch in ",()" and re.fullmatch(r"\d+", token) and depth == 0:
                    token = dp_to_of[token]
                if ch in ",()":
                    out.append(token + ch)
                    token = ""
                else:
                    token += ch
            return "".join(out)[:-1]

        for flows in sorted(glob.glob(os.path.join(HERE, "scenarios", "*.flows"))):
            base = flows[:-len(".flows")]
            ovs("ovs-ofctl", "-O", "OpenFlow13", "del-flows", "br0")
            ovs("ovs-ofctl", "-O", "OpenFlow13", "del-groups", "br0")
            if os.path.exists(base + ".groups"):
                # A selection method travels only in OpenFlow 1.5's group_mod (or a Netronome extension).
                ovs("ovs-ofctl", "-O", "OpenFlow15", "add-groups", "br0", base + ".groups")
            ovs("ovs-ofctl", "-O", "OpenFlow13", "add-flows", "br0", flows)
            lines = ["# ovs-vswitchd (Open vSwitch) 3.1.0, ofproto/trace br0 FLOW; made by ../make.py"]
            with open(base + ".traces") as traces:
                for flow in traces.read().splitlines():
                    if not flow or flow.startswith("#"):
                        continue
                    out = ovs("ovs-appctl", "ofproto/trace", "br0", flow)
                    megaflow = next(l for l in out.splitlines() if l.startswith("Megaflow: "))
                    actions = next(l for l in out.splitlines() if l.startswith("Datapath actions: "))
                    lines += ["", "trace: " + flow, megaflow,
                              "Datapath actions: " + of_ports(actions[len("Datapath actions: "):])]
            with open(base + ".expected", "w") as f:
                f.write("\n".join(lines) + "\n")
            print(os.path.basename(base), "done")
    finally:
        subprocess.run([SANDBOX, "stop", scratch], check=False)


if __name__ == "__main__":
    main()
