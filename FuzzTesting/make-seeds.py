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

# Lines in the shape the server's fast decoder (UpsertLine) takes, so that FuzzUpdate's
# UpdatePathsCheck starts from them: the seed contact (inserted, and over its stored profile),
# escapes, arguments it writes again (1.50, -0, nested values), an idempotency key, an id given
# twice, stored members of other types (an $inc that fails, a $push on a number). It takes
# compact lines; the same line with whitespace goes the general way.
seed_entry = ('{"id":"123","profile":{"$set":{"firstName":"Justin","lastName":"Bieber",'
              '"email":"justin.bieber@yopmail.com"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}}')
seed_stored = ('{"id":"123","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com",'
               '"tags":["customer"],"totalOrders":1}')
fast = '{"method":"contacts.upsert","apiKey":"k","requestId":7,"contacts":[%s]%s}'
write("FuzzUpdate", fast % (seed_entry, ""))
write("FuzzUpdate", fast % (seed_entry, ',"_stored":' + seed_stored))
write("FuzzUpdate", fast % (",".join([seed_entry] * 3), ',"_stored":' + seed_stored))
mixed = ('{"id":"a","profile":{"$set":{"n":1.50,"s":"x\\"q\\u0041\u00e9","o":{"b":[null,-0]}},'
         '"$inc":{"c":-0,"d":2.5},"$unset":{"gone":""},"$currentDate":{"at":true},'
         '"$setOnInsert":{"first":[1,{"b":null}]},"$push":{"t":"u"}}}')
write("FuzzUpdate", fast % (mixed, ',"idempotencyKey":"k1"'))
write("FuzzUpdate", fast % (mixed, ',"_stored":{"id":"x","c":"text","d":1e300,"t":7,"gone":[1],"n":{"m":1}}'))
spaced = mixed.replace(':', ' : ').replace(',', ' , ').replace('{', '{ ').replace('}', ' }')
write("FuzzUpdate", '{ "method" : "contacts.upsert" , "apiKey" : "k" , "contacts" : [ %s ] }' % spaced)
write("FuzzUpdate", fast % ('{"id":"b","profile":{"$inc":{"c":9223372036854775807}}},'
                            '{"id":"b","profile":{"$inc":{"c":1},"$push":{"t":"u"}}}',
                            ',"_stored":{"id":"b","c":1,"t":[]},"_limit":64'))

# Framing: byte 0 = limit - 1 (top bit: end of input), byte 1 = split seed, then the stream.
streams = [b"abc\nde\r\n\n\r\n\nf\n", b" \t\n", b"a\rb\r\r\n", b"0123456789\r\n0123456789x\n",
           b"a\n" + b"x" * 100 + b"\nb\n", b"a\nlast\r", b"\r\n\r\n", b'{"method":"ping"}\n' * 3]
for i, stream in enumerate(streams):
    for head in (bytes([9, i]), bytes([0x80 | 9, i + 100]), bytes([0, i]), bytes([63, i])):
        write("FuzzFraming", head + stream)
