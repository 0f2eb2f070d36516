#!/usr/bin/env python3
"""Writes the text seeds of FuzzTesting/Corpus/ (FuzzJSON, FuzzFraming, FuzzUpdate) from the
protocol's examples and the test suites. Journal and snapshot seeds are files written by the
daemon itself (see README.md). Run from the repository root; files are named by content hash."""
import hashlib, json, os, re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "FuzzTesting", "Corpus")

def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)

def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()

raw = re.compile(r'#"(.*?)"#')
texts = set()
for folder in ["Tests/ContactCoreTests", "Tests/contactdTests"]:
    for name in sorted(os.listdir(os.path.join(ROOT, folder))):
        if name.endswith(".swift"):
            texts.update(t for t in raw.findall(read(folder, name)) if t[:1] in "{[")
for line in read("docs", "PROTOCOL.md").splitlines():
    if line.startswith("{") or line.startswith("`{"):
        texts.add(line.strip("`"))
texts.update(['0', '-0', '1.0', '1e400', '-1e-400', '9223372036854775807', '9223372036854775808',
              '-9223372036854775808', '"\\ud83d\\ude00"', '"\\u0000"', '[' * 64 + ']' * 64,
              '{"a":[1,2.5,-0.0,1e21,"x",true,false,null,{}]}'])
for text in sorted(texts):
    write("FuzzJSON", text)

# Update entries: `.init(operators[, profile], expected...)` of UpdateEngineTests.
cases = re.findall(r'\.init\((#".*?"#(?:,\s*#".*?"#)*)\)', read("Tests/ContactCoreTests/UpdateEngineTests.swift"))
for case in cases:
    args = raw.findall(case)
    entry = '{"id":"123","profile":%s}' % args[0]
    stored = ',"_stored":%s' % args[1] if len(args) >= 3 else ""
    write("FuzzUpdate", '{"method":"contacts.upsert","apiKey":"k","contacts":[%s]%s}' % (entry, stored))
for text in sorted(texts):
    if '"contacts.upsert"' in text:
        write("FuzzUpdate", text)
write("FuzzUpdate", '{"method":"contacts.upsert","apiKey":"k","_limit":200,"contacts":['
      '{"id":"a","profile":{"$push":{"t":{"$each":[3,1,2],"$sort":{"x":1,"y":-1},"$slice":2}}}},'
      '{"id":"a","profile":{"$pull":{"t":{"x":{"$gt":1}}},"$set":{"u.5":1}}}]}')

# Framing: byte 0 = limit - 1 (top bit: end of input), byte 1 = split seed, then the stream.
streams = [b"abc\nde\r\n\n\r\n\nf\n", b" \t\n", b"a\rb\r\r\n", b"0123456789\r\n0123456789x\n",
           b"a\n" + b"x" * 100 + b"\nb\n", b"a\nlast\r", b"\r\n\r\n", b'{"method":"ping"}\n' * 3]
for i, stream in enumerate(streams):
    for head in (bytes([9, i]), bytes([0x80 | 9, i + 100]), bytes([0, i]), bytes([63, i])):
        write("FuzzFraming", head + stream)
