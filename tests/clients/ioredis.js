// ioredis against a Redis-protocol server, the way applications use it.
//
// Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional: the server
// was started with --requirepass); IOREDIS_MODULE (default "ioredis"; the
// suite also runs "ioredis6", ioredis 6), IOREDIS_PROTOCOL (2 or 3: RESP3
// through HELLO 3 [AUTH], which ioredis 6 has and uses by default; unset:
// the library's default). Exits non-zero on the
// first failure. Runs unchanged against redis-server 7.0, which is how the
// script itself is checked.
"use strict";
const assert = require("assert/strict");
const crypto = require("crypto");
const MODULE = process.env.IOREDIS_MODULE || "ioredis";
const PROTOCOL = process.env.IOREDIS_PROTOCOL ? Number(process.env.IOREDIS_PROTOCOL) : undefined;
const Redis = require(MODULE);

const HOST = process.env.GROVE_HOST || "127.0.0.1";
const PORT = Number(process.env.GROVE_PORT || 6379);
const PASSWORD = process.env.GROVE_PASSWORD || undefined;
const P = "ioredis:";
const VERSION = require(`${MODULE}/package.json`).version;

// ioredis writes "[ioredis] Unhandled error event" for errors nobody listens
// to; the checks below want every error to surface, so they are recorded.
const unexpected = [];
function client(opts = {}) {
  const c = new Redis({
    host: HOST,
    port: PORT,
    password: PASSWORD,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => (times > 20 ? null : 50),
    ...(PROTOCOL ? { protocol: PROTOCOL } : {}),
    ...opts,
  });
  c.on("error", (e) => {
    // a connection killed under a command in flight reports the reset
    // before it reconnects and resends the command
    if (!opts.expectErrors && !/ECONNRESET|EPIPE/.test(e.code || "")) unexpected.push(e);
  });
  return c;
}

function waitFor(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

async function rejects(promise, check, what) {
  try {
    await promise;
  } catch (e) {
    check(e);
    return;
  }
  assert.fail(`${what}: no error`);
}

async function testHandshake() {
  // connectionName -> CLIENT SETNAME, db -> SELECT, password -> AUTH; then
  // CLIENT SETINFO and the ready check (INFO) before "ready".
  const r = client({ db: 3, connectionName: "grove-ioredis" });
  await waitFor(r, "ready");
  assert.equal(r.status, "ready");
  assert.equal(await r.client("GETNAME"), "grove-ioredis");
  const info = await r.client("INFO");
  assert.match(info, /name=grove-ioredis /);
  assert.match(info, / db=3 /);
  if (PROTOCOL) assert.match(info, new RegExp(` resp=${PROTOCOL}`), "the protocol asked for");
  if (info.includes(" lib-name=")) {
    // Redis 7.2 and Grove have CLIENT SETINFO; 7.0 answers it with an error
    // that ioredis ignores.
    assert.match(info, /lib-name=ioredis/, "CLIENT SETINFO LIB-NAME reached the server");
    assert.ok(info.includes(`lib-ver=${VERSION}`), "CLIENT SETINFO LIB-VER reached the server");
  }
  await r.set(P + "db3", "x");
  assert.equal(await r.get(P + "db3"), "x");
  assert.equal(await r.ping(), "PONG");
  assert.equal(await r.ping("hello"), "hello");
  await r.quit();
  if (PASSWORD) {
    const bad = client({ password: "not-" + PASSWORD, expectErrors: true, retryStrategy: () => null });
    const err = await waitFor(bad, "error");
    assert.match(err.message, /WRONGPASS/);
    bad.disconnect();
    const anon = client({ password: undefined, enableReadyCheck: false, expectErrors: true });
    await rejects(anon.get(P + "x"), (e) => assert.match(e.message, /^NOAUTH/), "no AUTH");
    anon.disconnect();
    const named = client({ username: "default" });
    assert.equal(await named.ping(), "PONG", "AUTH default <password>");
    named.disconnect();
  }
}

async function testInfo(r) {
  const info = await r.info();
  assert.match(info, /^# Server\r\n/);
  assert.match(info, /redis_version:7\./);
  assert.match(info, /\r\nloading:0\r\n/, "the ready check looks for loading:0");
  assert.match(await r.info("memory"), /used_memory:\d+/);
  assert.equal(typeof (await r.dbsize()), "number");
  assert.equal(await r.echo("hi"), "hi");
  const t = await r.time();
  assert.equal(t.length, 2);
  const cfg = await r.config("GET", "maxmemory*");
  assert.ok(cfg.includes("maxmemory"));
  assert.equal(await r.config("SET", "hz", "10"), "OK");
  assert.ok((await r.command("COUNT")) > 10);
  const [[name, arity]] = await r.command("INFO", "get");
  assert.equal(name, "get");
  assert.equal(arity, 2);
}

async function testStrings(r) {
  assert.equal(await r.set(P + "s", "v"), "OK");
  assert.equal(await r.get(P + "s"), "v");
  assert.equal(await r.get(P + "missing"), null);
  assert.equal(await r.set(P + "s", "w", "NX"), null);
  assert.equal(await r.set(P + "s", "w", "XX"), "OK");
  assert.equal(await r.set(P + "s", "z", "GET"), "w");
  assert.equal(await r.set(P + "ex", "v", "EX", 100), "OK");
  const ttl = await r.ttl(P + "ex");
  assert.ok(ttl > 90 && ttl <= 100, `TTL ${ttl}`);
  assert.equal(await r.set(P + "px", "v", "PX", 100000, "NX"), "OK");
  assert.ok((await r.pttl(P + "px")) > 90000);
  assert.equal(await r.set(P + "ex", "v2", "KEEPTTL"), "OK");
  assert.ok((await r.ttl(P + "ex")) > 0);
  assert.equal(await r.set(P + "exat", "v", "EXAT", Math.floor(Date.now() / 1000) + 100), "OK");
  assert.equal(await r.set(P + "pxat", "v", "PXAT", Date.now() + 100000), "OK");
  assert.equal(await r.setnx(P + "nx", "1"), 1);
  assert.equal(await r.setnx(P + "nx", "2"), 0);
  assert.equal(await r.setex(P + "setex", 50, "v"), "OK");
  assert.equal(await r.psetex(P + "psetex", 50000, "v"), "OK");
  assert.equal(await r.getset(P + "s", "new"), "z");
  assert.equal(await r.getdel(P + "s"), "new");
  await r.set(P + "ge", "v");
  assert.equal(await r.getex(P + "ge", "EX", 100), "v");
  assert.ok((await r.ttl(P + "ge")) > 0);
  assert.equal(await r.getex(P + "ge", "PERSIST"), "v");
  assert.equal(await r.ttl(P + "ge"), -1);
  assert.equal(await r.append(P + "ap", "ab"), 2);
  assert.equal(await r.append(P + "ap", "cd"), 4);
  assert.equal(await r.strlen(P + "ap"), 4);
  assert.equal(await r.getrange(P + "ap", 1, 2), "bc");
  assert.equal(await r.setrange(P + "ap", 1, "XY"), 4);
  assert.equal(await r.get(P + "ap"), "aXYd");
  // MSET / MGET with an object, an array and spread arguments
  assert.equal(await r.mset({ [P + "m1"]: "a", [P + "m2"]: "b" }), "OK");
  assert.equal(await r.mset(P + "m3", "c", P + "m4", "d"), "OK");
  assert.deepEqual(await r.mget(P + "m1", P + "nope", P + "m2"), ["a", null, "b"]);
  assert.deepEqual(await r.mget([P + "m3", P + "m4"]), ["c", "d"]);
  assert.equal(await r.msetnx(P + "m1", "x", P + "m9", "y"), 0);
  // INCR family
  assert.equal(await r.incr(P + "n"), 1);
  assert.equal(await r.incrby(P + "n", 10), 11);
  assert.equal(await r.decr(P + "n"), 10);
  assert.equal(await r.decrby(P + "n", 5), 5);
  assert.equal(await r.incrbyfloat(P + "n", 0.5), "5.5");
  assert.equal(await r.incrbyfloat(P + "f", "1.5e3"), "1500");
  // UTF-8 round trip
  await r.set(P + "u", "héllo ✓");
  assert.equal(await r.get(P + "u"), "héllo ✓");
}

async function testErrors(r) {
  await r.set(P + "notint", "abc");
  await rejects(r.incr(P + "notint"), (e) => {
    assert.ok(e instanceof Redis.ReplyError, "a ReplyError");
    assert.equal(e.message, "ERR value is not an integer or out of range");
  }, "INCR on a non-integer");
  await rejects(r.incrbyfloat(P + "notint", 1), (e) => {
    assert.equal(e.message, "ERR value is not a valid float");
  }, "INCRBYFLOAT on a non-number");
  await rejects(r.lpush(P + "notint", "x"), (e) => {
    assert.ok(/^ERR unknown command 'lpush'/.test(e.message) || /^WRONGTYPE/.test(e.message), e.message);
  }, "LPUSH on a string");
  await rejects(r.call("NO-SUCH-COMMAND", "a"), (e) => {
    assert.match(e.message, /^ERR unknown command 'NO-SUCH-COMMAND', with args beginning with: 'a' $/);
  }, "unknown command");
  await rejects(r.call("GET"), (e) => {
    assert.equal(e.message, "ERR wrong number of arguments for 'get' command");
  }, "arity");
  const s = client({ expectErrors: true });
  await rejects(s.select(1000), (e) => assert.equal(e.message, "ERR DB index is out of range"), "SELECT 1000");
  s.disconnect();
  assert.equal(await r.ping(), "PONG", "the connection survives errors");
}

async function testKeysAndExpiry(r) {
  await r.set(P + "k", "v");
  assert.equal(await r.type(P + "k"), "string");
  assert.equal(await r.exists(P + "k", P + "k", P + "zz"), 2);
  assert.equal(await r.expire(P + "k", 100), 1);
  assert.ok((await r.ttl(P + "k")) > 95);
  assert.equal(await r.pexpire(P + "k", 200000), 1);
  assert.equal(await r.expireat(P + "k", Math.floor(Date.now() / 1000) + 300), 1);
  assert.equal(await r.pexpireat(P + "k", Date.now() + 300000), 1);
  assert.ok((await r.expiretime(P + "k")) > Date.now() / 1000);
  assert.equal(await r.expire(P + "k", 10, "GT"), 0);
  assert.equal(await r.expire(P + "k", 10, "LT"), 1);
  assert.equal(await r.persist(P + "k"), 1);
  assert.equal(await r.ttl(P + "k"), -1);
  assert.equal(await r.ttl(P + "nokey"), -2);
  await r.set(P + "short", "v", "PX", 50);
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(await r.get(P + "short"), null);
  assert.equal(await r.rename(P + "k", P + "k2"), "OK");
  assert.equal(await r.copy(P + "k2", P + "k3"), 1);
  assert.equal(await r.del(P + "k2", P + "k3", P + "nokey"), 2);
  assert.equal(await r.unlink(P + "m1"), 1);
  assert.ok((await r.keys(P + "m*")).includes(P + "m2"));
  assert.notEqual(await r.randomkey(), null);
  await r.set(P + "int", 12);
  assert.equal(await r.object("ENCODING", P + "int"), "int");
}

async function testScan(r) {
  const names = new Set();
  const p = r.pipeline();
  for (let i = 0; i < 500; i++) {
    names.add(`${P}scan:${i}`);
    p.set(`${P}scan:${i}`, "x");
  }
  await p.exec();
  // scanStream: batches of keys; every key at least once
  const seen = new Set();
  await new Promise((resolve, reject) => {
    const stream = r.scanStream({ match: P + "scan:*", count: 37 });
    stream.on("data", (keys) => keys.forEach((k) => seen.add(k)));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  assert.deepEqual([...seen].sort(), [...names].sort(), "scanStream");
  const typed = new Set();
  for await (const keys of r.scanStream({ match: P + "scan:*", type: "string", count: 100 })) {
    keys.forEach((k) => typed.add(k));
  }
  assert.equal(typed.size, 500, "scanStream TYPE string");
  // the raw command: [cursor string, keys]
  const [cursor, keys] = await r.scan("0", "MATCH", P + "scan:*", "COUNT", 10);
  assert.equal(typeof cursor, "string");
  assert.ok(Array.isArray(keys));
  let c = "0";
  let n = 0;
  do {
    const [next, ks] = await r.scan(c, "MATCH", P + "scan:*", "COUNT", 50);
    c = next;
    n += ks.length;
  } while (c !== "0");
  assert.ok(n >= 500);
}

async function testPipeline(r) {
  const res = await r
    .pipeline()
    .set(P + "p1", "a")
    .get(P + "p1")
    .incr(P + "pc")
    .incr(P + "pc")
    .mget(P + "p1", P + "pc")
    .exec();
  assert.deepEqual(res, [[null, "OK"], [null, "a"], [null, 1], [null, 2], [null, ["a", "2"]]]);
  const withErr = await r.pipeline().set(P + "pe", "x").incr(P + "pe").get(P + "pe").exec();
  assert.equal(withErr[0][1], "OK");
  assert.ok(withErr[1][0] instanceof Redis.ReplyError);
  assert.equal(withErr[2][1], "x");
  // a big pipeline
  const big = r.pipeline();
  for (let i = 0; i < 5000; i++) big.set(`${P}bulk:${i}`, i);
  assert.ok((await big.exec()).every(([e, v]) => e === null && v === "OK"));
  const gets = r.pipeline();
  for (let i = 0; i < 5000; i++) gets.get(`${P}bulk:${i}`);
  (await gets.exec()).forEach(([e, v], i) => assert.equal(v, String(i)));
  // automatic pipelining
  const auto = client({ enableAutoPipelining: true });
  const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => auto.incr(P + "auto")));
  assert.equal(Math.max(...all), 1000);
  auto.disconnect();
}

async function testBinaryAndLarge(r) {
  const blob = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\r\n\0\r\n")]);
  await r.set(P + "bin", blob);
  assert.ok(blob.equals(await r.getBuffer(P + "bin")), "binary value");
  const bkey = Buffer.concat([Buffer.from(P), Buffer.from([0, 255, 13, 10])]);
  await r.set(bkey, Buffer.from([0]));
  assert.ok(Buffer.from([0]).equals(await r.getBuffer(bkey)), "binary key");
  const big = crypto.randomBytes(1024 * 1024);
  await r.set(P + "big", big);
  assert.ok(big.equals(await r.getBuffer(P + "big")), "1 MB value");
  assert.equal(await r.strlen(P + "big"), big.length);
  const huge = Buffer.alloc(8 * 1024 * 1024, "y");
  await r.set(P + "huge", huge);
  assert.ok(huge.equals(await r.getBuffer(P + "huge")), "8 MB value");
  await r.del(P + "huge");
}

async function testDatabases(r) {
  const r0 = client({ db: 0 });
  const r5 = client({ db: 5 });
  await r0.set(P + "dbk", "zero");
  await r5.set(P + "dbk", "five");
  assert.equal(await r0.get(P + "dbk"), "zero");
  assert.equal(await r5.get(P + "dbk"), "five");
  // SELECT at run time: ioredis remembers it and re-selects after a reconnect
  await r0.select(6);
  assert.equal(await r0.get(P + "dbk"), null);
  assert.equal(await r5.move(P + "dbk", 6), 1);
  assert.equal(await r0.get(P + "dbk"), "five");
  await r5.flushdb();
  assert.equal(await r5.dbsize(), 0);
  r0.disconnect();
  r5.disconnect();
}

async function testReconnect() {
  const admin = client();
  const victim = client({ connectionName: "victim", db: 2 });
  await victim.set(P + "rc", "1");
  const id = await victim.client("ID");
  const reconnected = waitFor(victim, "ready");
  assert.equal(await admin.client("KILL", "ID", id), 1);
  await reconnected;
  assert.equal(await victim.get(P + "rc"), "1", "same database after reconnect");
  assert.notEqual(await victim.client("ID"), id);
  assert.equal(await victim.client("GETNAME"), "victim", "name set again on reconnect");
  // a command in flight when the connection dies is sent again after the
  // reconnect (idempotent here: it may have run before the kill)
  const id2 = await victim.client("ID");
  const killed = admin.client("KILL", "ID", id2);
  const during = victim.get(P + "rc");
  await killed;
  assert.equal(await during, "1");
  admin.disconnect();
  victim.disconnect();
}

async function main() {
  await testHandshake();
  console.log("  ok testHandshake");
  const r = client();
  await r.flushall();
  for (const t of [testInfo, testStrings, testErrors, testKeysAndExpiry, testScan, testPipeline,
    testBinaryAndLarge, testDatabases, testReconnect]) {
    await t(r);
    console.log(`  ok ${t.name}`);
  }
  await r.quit();
  if (unexpected.length) throw unexpected[0];
  console.log(`ioredis ${VERSION}${PROTOCOL ? ` RESP${PROTOCOL}` : ""}: all checks passed`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    console.error(`ioredis: FAILED: ${e.message}`);
    process.exit(1);
  }
);
