#!/usr/bin/env python3
"""Writes seed inputs for every fuzz target into <dir>/<target>/, from the committed fixtures only (the real 1.14.1
captures: wire bytes, decrypted payloads, tap frames, the network config; the reference JSON) and a few hand-made
inputs. The record formats are those of Sources/SixplaneCore/Support/NodeExercise.swift and
Sources/SixplaneController/Support/ControllerParserExercise.swift."""
import glob, json, os, struct, sys

out = sys.argv[1]
fx = "Tests/Fixtures/zt-1.14.1"
B, CTL = "763cb11903", "4073ceaa6b"


def write(target, name, data):
    os.makedirs(f"{out}/{target}", exist_ok=True)
    with open(f"{out}/{target}/{name}", "wb") as f:
        f.write(data)


def record(kind, body):
    return bytes([kind]) + struct.pack(">H", len(body)) + body


def pcap_frames(path):
    data = open(path, "rb").read()
    linktype = struct.unpack("<I", data[20:24])[0]
    at, frames = 24, []
    while at + 16 <= len(data):
        incl = struct.unpack("<I", data[at + 8:at + 12])[0]
        frames.append((linktype, data[at + 16:at + 16 + incl]))
        at += 16 + incl
    return frames


rows = []
for path in sorted(glob.glob(f"{fx}/decoded/*.jsonl")):
    rows += [json.loads(line) for line in open(path)]

config_dictionary = None
for i, r in enumerate(rows):
    wire = bytes.fromhex(r.get("wire") or r.get("hex") or "")
    write("wire", f"capture-{i}", wire)
    write("node", f"raw-{i}", record(1, wire))
    plain = r.get("plaintext")
    if not plain:
        continue
    p = bytearray(bytes.fromhex(plain))
    if r.get("compressed"):
        p[0] |= 0x80
    kind = 5 if r.get("source") == CTL else 0
    suite = {"POLY1305_NONE": 0, "POLY1305_SALSA2012": 1}.get(r.get("cipher"), 2)
    write("node", f"message-{i}", record(kind + 7 * suite, bytes(p)))
    if r.get("verb") == "NETWORK_CONFIG" and config_dictionary is None:
        length = struct.unpack(">H", p[9:11])[0]
        config_dictionary = bytes(p[11:11 + length])
write("wire", "planet", open(f"{fx}/planet", "rb").read())

# Frames of a's tap (neighbor discovery, pings) as the host would write them; and a sequence with time passing.
for i, (linktype, frame) in enumerate(pcap_frames(f"{fx}/pcap/02-a-zt-tap.pcap")):
    if linktype == 1 and len(frame) >= 14:
        write("node", f"tap-{i}", record(2, frame[0:6] + frame[12:]))
if config_dictionary:
    write("node", "config-push", record(4, config_dictionary) + record(3, b"\x03\xe8"))
    write("networks-d", "capture-config", b"allowManaged=1\nallowGlobal=0\nallowDefault=0\nallowDNS=0\n\x00" + config_dictionary)
    write("networks-d", "whitelist", b"allowManaged=10.0.0.0/8,fc00::/7\nallowDNS=1\n\x00" + config_dictionary)
for name, text in [("empty", b""), ("all", b"allowManaged=0\nallowGlobal=1\nallowDefault=1\nallowDNS=true\n"), ("junk", b"=\n==\nallowManaged\n")]:
    write("networks-d", name, text)

# The controller's JSON, and request sequences as the UIs send them.
jsons = []
for path in sorted(glob.glob(f"{fx}/reference-outputs/*.json")) + sorted(glob.glob(f"{fx}/session/*.json")):
    jsons.append((os.path.basename(path), open(path, "rb").read()))
for name, data in jsons:
    write("json", name, data)
network = json.loads(open(f"{fx}/reference-outputs/ctl-network.json").read())
write("rules", "capture-rules", json.dumps(network.get("rules", [])).encode())
for i, rule in enumerate([
    {"type": "ACTION_ACCEPT"}, {"type": "ACTION_DROP", "not": True},
    {"type": "MATCH_ETHERTYPE", "etherType": 2048}, {"type": "MATCH_IPV4_SOURCE", "ip": "10.0.0.0/8"},
    {"type": "MATCH_IP_DEST_PORT_RANGE", "start": 22, "end": 22}, {"type": "MATCH_TAGS_DIFFERENCE", "id": 1, "value": 2},
    {"type": "ACTION_TEE", "address": "0123456789", "length": 64}, {"type": "MATCH_MAC_SOURCE", "mac": "02:00:00:00:00:01"},
    {"type": "MATCH_CHARACTERISTICS", "mask": "10"}, {"type": "MATCH_IPV6_DEST", "ip": "fc00::/7"},
]):
    write("rules", f"rule-{i}", json.dumps([rule]).encode())


def request(method, path_index, body=b""):
    return bytes([method, path_index]) + struct.pack(">H", len(body)) + body


create = json.dumps({"name": "fuzz", "private": True, "v6AssignMode": {"6plane": True, "rfc4193": "true"},
                     "v4AssignMode": {"zt": True}, "ipAssignmentPools": [{"ipRangeStart": "10.1.0.1", "ipRangeEnd": "10.1.0.254"}],
                     "routes": [{"target": "10.1.0.0/24"}]}).encode()
write("controller-api", "create-list", request(1, 2, create) + request(0, 1) + request(0, 2) + request(0, 4) + request(0, 7))
write("controller-api", "member", request(1, 2, create) + request(1, 5, b'{"authorized": true, "name": "a"}')
      + request(0, 5) + request(2, 5) + request(1, 5, b'{"authorized": false}') + request(0, 8) + request(0, 4 | 0x40))
write("controller-api", "configure", request(1, 2, create) + request(1, 2, json.dumps(
    {"dns": {"domain": "lab.example", "servers": ["10.1.0.1"]}, "multicastLimit": 64, "enableBroadcast": False,
     "rules": [{"type": "ACTION_ACCEPT"}], "capabilities": [], "tags": []}).encode()) + request(2, 2) + request(0, 2))
write("controller-api", "random-id", request(1, 3, b'{"name": "x"}') + request(0, 1))
write("controller-api", "raw-path", request(0, 0xff, b"/controller/network/zzzz\n") + request(0, 0))
for name, data in jsons[:6]:
    write("controller-api", f"post-{name}", request(1, 2, data) + request(1, 6, data))

for name, text in [("empty", b"{}"), ("port", b'{"settings": {"primaryPort": 9993, "allowSecondaryPort": false}}'),
                   ("names", b'{"settings": {"interfaceNames": {"4073ceaa6bc486f0": "zt0"}}}'),
                   ("bad-port", b'{"settings": {"primaryPort": 99999}}'), ("not-object", b"[1,2,3]"),
                   ("physical", b'{"physical": {"10.0.0.0/8": {"blacklist": true}}, "settings": {"portMappingEnabled": false}}'),
                   ("deep", b"[" * 70 + b"]" * 70), ("unicode", b'{"settings": {"interfaceNames": {"4073ceaa6bc486f0": "\\u00e9\\ud83d\\ude00"}}}'),
                   ("numbers", b'{"settings": {"primaryPort": 9.993e3}}'), ("trailing", b'{"settings": {}} x')]:
    write("local-conf", name, text)


# IPv6 TCP packets for the taps' offloads: a 2-byte MSS, then the packet.
def tcp6(data_length, flags=0x10, header_words=5):
    tcp = struct.pack(">HHIIBBHHH", 40000, 5201, 1000, 1, header_words << 4, flags, 512, 0, 0) + b"\x01" * (4 * (header_words - 5))
    payload = tcp + bytes(range(256)) * (data_length // 256) + bytes(data_length % 256)
    ip = struct.pack(">IHBB", 0x60000000, len(payload), 6, 64) + bytes.fromhex("fc2bb7485accd3c55330" + "000000000001") + bytes.fromhex("fc2bb7485a763cb11903" + "000000000001")
    return ip + payload


for i, (mss, length, flags, words) in enumerate([(1400, 60000, 0x10, 5), (2728, 8000, 0x18, 8), (1, 10, 0x10, 5), (0, 100, 0x10, 5),
                                                  (1000, 0, 0x10, 5), (536, 5000, 0x11, 5), (65535, 65000, 0x10, 15), (1400, 3000, 0x02, 5),
                                                  (9000, 9000, 0x10, 6), (1200, 2400, 0x10, 5)]):
    write("tap", f"segment-{i}", struct.pack(">H", mss) + tcp6(length, flags, words))
for i, (linktype, frame) in enumerate(pcap_frames(f"{fx}/pcap/02-a-zt-tap.pcap")[:10]):
    write("tap", f"frame-{i}", b"\x05\x78" + frame[14:])


# The CNI plugin: five NUL-separated environment values (command, container id, netns, ifname, args), then stdin.
def cni(command, config, container=b"abc123", netns=b"/var/run/netns/x", ifname=b"eth0", args=b""):
    return b"\x00".join([command, container, netns, ifname, args]) + b"\x00" + config


good = {"cniVersion": "1.0.0", "name": "sixplane", "type": "sixplane", "network": "8056c2e21c000001"}
prev = {"cniVersion": "1.0.0", "interfaces": [{"name": "sx0", "mac": "02:00:00:00:00:01"}, {"name": "eth0", "sandbox": "/x"}],
        "ips": [{"address": "fc9c:56c2:e39d:2a4f:11c3:1:0:1/128", "gateway": "fe80::1", "interface": 1}],
        "routes": [{"dst": "::/0", "gw": "fe80::1"}], "dns": {}}
for name, data in [("add", cni(b"ADD", json.dumps(good).encode())),
                   ("check", cni(b"CHECK", json.dumps(dict(good, prevResult=prev)).encode())),
                   ("del-no-netns", cni(b"DEL", json.dumps(dict(good, prevResult=prev)).encode(), netns=b"")),
                   ("gc", cni(b"GC", json.dumps(dict(good, cniVersion="1.1.0", **{"cni.dev/valid-attachments": [{"containerID": "a", "ifname": "eth0"}]})).encode())),
                   ("status", cni(b"STATUS", json.dumps(dict(good, cniVersion="1.1.0")).encode())),
                   ("version", cni(b"VERSION", b'{"cniVersion":"0.4.0"}')),
                   ("all-options", cni(b"ADD", json.dumps(dict(good, home="/var/lib/sixplane", dataDir="/tmp/x", poolSize=3, mtu=1400)).encode())),
                   ("old-version", cni(b"ADD", json.dumps(dict(good, cniVersion="0.3.1")).encode())),
                   ("bad-env", cni(b"ADD", json.dumps(good).encode(), container=b"-x", ifname=b"a/b")),
                   ("not-json", cni(b"ADD", b"{not json"))]:
    write("cni", name, data)


# DNS messages: queries as dig and resolvers send them, and answers.
def dns_name(text):
    return b"".join(bytes([len(l)]) + l.encode() for l in text.split(".") if l) + b"\x00"


def dns_query(qid, name, qtype, opt=True, flags=0x0100):
    head = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if opt else 0)
    q = dns_name(name) + struct.pack(">HH", qtype, 1)
    return head + q + (b"\x00" + struct.pack(">HHIH", 41, 1232, 0, 12) + struct.pack(">HH", 10, 8) + bytes(range(8)) if opt else b"")


for name, data in [("aaaa", dns_query(1, "web.h2.lab.example", 28)), ("a", dns_query(2, "8056c2e21c.lab.example", 1, opt=False)),
                   ("ptr", dns_query(3, "1.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.3.c.1.1.f.4.a.2.d.9.3.e.2.c.6.5.c.9.c.f.ip6.arpa", 12)),
                   ("soa", dns_query(4, "lab.example", 6)), ("any", dns_query(5, "example.com", 255)),
                   ("answer", struct.pack(">HHHHHH", 6, 0x8400, 1, 2, 0, 0) + dns_name("web.lab.example") + struct.pack(">HH", 28, 1)
                    + (b"\xc0\x0c" + struct.pack(">HHIH", 28, 1, 5, 16) + bytes(16)) * 2),
                   ("pointer-loop", struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01")]:
    write("dns", name, data)

# host-names: the real Docker engine answers (Tests/Fixtures/docker), a CNI book's pod file, resolv.conf files.
for path in sorted(glob.glob("Tests/Fixtures/docker/*.json*")):
    write("host-names", "docker-" + os.path.basename(path), open(path, "rb").read())
for name, data in [("pod-file", b"0123456789ab\neth0\nweb\nfc6e:46e1:ca37:270e:bad5:1:0:1\n"),
                   ("pod-file-old", b"0123456789ab\neth0\n"),
                   ("resolv-conf", b"nameserver 10.0.0.2\nsearch corp.example\noptions edns0\n"),
                   ("resolv-conf-ours", b"# sixplane: added for networks with allowDNS=1; removed when they leave or sixplane stops\n"
                    b"nameserver fc00::1\n# sixplane: end\nnameserver 10.0.0.2\n# sixplane: added for networks with allowDNS=1; "
                    b"removed when they leave or sixplane stops\nsearch lab.example\n# sixplane: end\n")]:
    write("host-names", name, data)
