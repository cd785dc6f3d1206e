// node-redis v5 (the "redis" package, installed as "redis5") over RESP3
// against a Redis-protocol server: the handshake is HELLO 3 [AUTH] [SETNAME],
// and replies come back as RESP3 types (maps, nulls, verbatim strings).
//
// Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional: the server
// was started with --requirepass), NODE_REDIS_RESP (3, the default, or 2);
// NODE_PATH points at the node_modules that holds redis5. Exits non-zero on
// the first failure. Runs unchanged against redis-server 7.0, which is how
// the script itself is checked.
"use strict";
const assert = require("assert/strict");
const crypto = require("crypto");
const { createClient, ErrorReply, RESP_TYPES, CLIENT_KILL_FILTERS } = require("redis5");

const HOST = process.env.GROVE_HOST || "127.0.0.1";
const PORT = Number(process.env.GROVE_PORT || 6379);
const PASSWORD = process.env.GROVE_PASSWORD || undefined;
const RESP = Number(process.env.NODE_REDIS_RESP || 3);
const P = "node_redis5:";
const VERSION = require("redis5/package.json").version;

const unexpected = [];
async function client(opts = {}) {
  const { expectErrors, ...rest } = opts;
  const c = createClient({
    RESP,
    socket: { host: HOST, port: PORT, reconnectStrategy: (n) => (n > 20 ? false : 50) },
    password: PASSWORD,
    ...rest,
  });
  c.on("error", (e) => {
    if (!expectErrors && !/Socket closed unexpectedly|ECONNRESET/.test(e.message)) unexpected.push(e);
  });
  await c.connect();
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
  // RESP3: HELLO 3 AUTH default <password> SETNAME <name>, then SELECT and
  // CLIENT SETINFO.
  const r = await client({ database: 3, name: "grove-node-redis5", pingInterval: 200 });
  assert.ok(r.isReady);
  assert.equal(await r.clientGetName(), "grove-node-redis5");
  const raw = String(await r.sendCommand(["CLIENT", "INFO"]));
  assert.match(raw, / name=grove-node-redis5 /);
  assert.match(raw, / db=3 /);
  assert.match(raw, new RegExp(` resp=${RESP}`));
  if (raw.includes(" lib-name=")) {
    assert.match(raw, / lib-name=node-redis /, "CLIENT SETINFO LIB-NAME reached the server");
    assert.match(raw, / lib-ver=\d+\.\d+\.\d+/, "CLIENT SETINFO LIB-VER reached the server");
  }
  const hello = await r.hello();
  assert.equal(hello.server, "redis");
  assert.match(hello.version, /^7\./);
  assert.equal(hello.proto, RESP);
  assert.equal(hello.mode, "standalone");
  assert.equal(hello.role, "master");
  assert.deepEqual(hello.modules, []);
  await r.set(P + "db3", "x");
  await new Promise((res) => setTimeout(res, 500)); // a couple of pingInterval PINGs
  assert.equal(await r.get(P + "db3"), "x");
  assert.equal(await r.ping(), "PONG");
  assert.equal(await r.ping("hello"), "hello");
  r.destroy();
  if (PASSWORD) {
    const bad = createClient({
      RESP,
      socket: { host: HOST, port: PORT, reconnectStrategy: false },
      password: "not-" + PASSWORD,
    });
    bad.on("error", () => {});
    await rejects(bad.connect(), (e) => assert.match(e.message, /^WRONGPASS/), "wrong password");
    const named = await client({ username: "default" });
    assert.equal(await named.ping(), "PONG", "HELLO AUTH default <password>");
    named.destroy();
  }
}

async function testReplyTypes(r) {
  // RESP3 null, map, verbatim string; the same values as RESP2 gives
  assert.equal(await r.get(P + "missing"), null);
  assert.deepEqual(await r.mGet([P + "missing", P + "missing2"]), [null, null]);
  const cfg = await r.configGet("maxmemory*");
  assert.equal(typeof cfg, "object");
  assert.ok("maxmemory" in cfg && "maxmemory-policy" in cfg, JSON.stringify(cfg));
  const info = String(await r.info());
  assert.match(info, /^# Server\r\n/);
  assert.match(info, /redis_version:7\./);
  assert.match(String(await r.info("memory")), /used_memory:\d+/);
  const ci = await r.clientInfo();
  assert.equal(typeof ci.id, "number");
  const list = await r.clientList();
  assert.ok(list.length >= 1);
  const t = await r.time();
  assert.equal(t.length, 2);
  assert.equal(await r.configSet("hz", "10"), "OK");
  assert.ok((await r.commandCount()) > 10);
  const [get] = await r.commandInfo(["get"]);
  assert.equal(get.name, "get");
  assert.equal(get.arity, 2);
  // raw maps through sendCommand keep the server's order
  const rawCfg = await r.sendCommand(["CONFIG", "GET", "hz"]);
  assert.deepEqual(RESP === 3 ? Object.fromEntries(rawCfg instanceof Map ? rawCfg : Object.entries(rawCfg)) : rawCfg,
    RESP === 3 ? { hz: "10" } : ["hz", "10"]);
}

async function testStrings(r) {
  assert.equal(await r.set(P + "s", "v"), "OK");
  assert.equal(await r.get(P + "s"), "v");
  assert.equal(await r.set(P + "s", "w", { condition: "NX" }), null);
  assert.equal(await r.set(P + "s", "w", { condition: "XX" }), "OK");
  assert.equal(await r.set(P + "s", "z", { GET: true }), "w");
  assert.equal(await r.set(P + "ex", "v", { expiration: { type: "EX", value: 100 } }), "OK");
  const ttl = await r.ttl(P + "ex");
  assert.ok(ttl > 90 && ttl <= 100, `TTL ${ttl}`);
  assert.equal(await r.set(P + "px", "v", { expiration: { type: "PX", value: 100000 }, condition: "NX" }), "OK");
  assert.ok((await r.pTTL(P + "px")) > 90000);
  assert.equal(await r.set(P + "ex", "v2", { expiration: "KEEPTTL" }), "OK");
  assert.ok((await r.ttl(P + "ex")) > 0);
  assert.equal(await r.set(P + "exat", "v", { expiration: { type: "EXAT", value: Math.floor(Date.now() / 1000) + 100 } }), "OK");
  assert.equal(await r.setNX(P + "nx", "1"), 1);
  assert.equal(await r.setNX(P + "nx", "2"), 0);
  assert.equal(await r.setEx(P + "setex", 50, "v"), "OK");
  assert.equal(await r.pSetEx(P + "psetex", 50000, "v"), "OK");
  assert.equal(await r.getSet(P + "s", "new"), "z");
  assert.equal(await r.getDel(P + "s"), "new");
  await r.set(P + "ge", "v");
  assert.equal(await r.getEx(P + "ge", { type: "EX", value: 100 }), "v");
  assert.ok((await r.ttl(P + "ge")) > 0);
  assert.equal(await r.getEx(P + "ge", { type: "PERSIST" }), "v");
  assert.equal(await r.ttl(P + "ge"), -1);
  assert.equal(await r.append(P + "ap", "abcd"), 4);
  assert.equal(await r.getRange(P + "ap", 1, 2), "bc");
  assert.equal(await r.mSet({ [P + "m1"]: "a", [P + "m2"]: "b" }), "OK");
  assert.deepEqual(await r.mGet([P + "m1", P + "nope", P + "m2"]), ["a", null, "b"]);
  assert.equal(await r.mSetNX({ [P + "m1"]: "x", [P + "m9"]: "y" }), 0);
  assert.equal(await r.incr(P + "n"), 1);
  assert.equal(await r.incrBy(P + "n", 10), 11);
  assert.equal(await r.decr(P + "n"), 10);
  assert.equal(await r.decrBy(P + "n", 5), 5);
  assert.equal(String(await r.incrByFloat(P + "n", 0.5)), "5.5");
  await r.mSet({ [P + "lcs1"]: "ohmytext", [P + "lcs2"]: "mynewtext" });
  assert.equal(await r.lcs(P + "lcs1", P + "lcs2"), "mytext");
  assert.equal(await r.lcsLen(P + "lcs1", P + "lcs2"), 6);
  await r.set(P + "u", "héllo ✓");
  assert.equal(await r.get(P + "u"), "héllo ✓");
}

async function testErrors(r) {
  await r.set(P + "notint", "abc");
  await rejects(r.incr(P + "notint"), (e) => {
    assert.ok(e instanceof ErrorReply, "an ErrorReply");
    assert.equal(e.message, "ERR value is not an integer or out of range");
  }, "INCR on a non-integer");
  await rejects(r.sendCommand(["NO-SUCH-COMMAND", "a"]), (e) => {
    assert.equal(e.message, "ERR unknown command 'NO-SUCH-COMMAND', with args beginning with: 'a' ");
  }, "unknown command");
  await rejects(r.sendCommand(["GET"]), (e) => {
    assert.equal(e.message, "ERR wrong number of arguments for 'get' command");
  }, "arity");
  assert.equal(await r.ping(), "PONG", "the connection survives errors");
}

async function testKeysAndExpiry(r) {
  await r.set(P + "k", "v");
  assert.equal(await r.type(P + "k"), "string");
  assert.equal(await r.exists([P + "k", P + "k", P + "zz"]), 2);
  assert.equal(await r.expire(P + "k", 100), 1);
  assert.equal(await r.expire(P + "k", 10, "GT"), 0);
  assert.ok((await r.expireTime(P + "k")) > Date.now() / 1000);
  assert.equal(await r.persist(P + "k"), 1);
  assert.equal(await r.ttl(P + "k"), -1);
  assert.equal(await r.ttl(P + "nokey"), -2);
  assert.equal(await r.copy(P + "k", P + "k3"), 1);
  assert.equal(await r.del([P + "k", P + "k3", P + "nokey"]), 2);
  assert.ok((await r.keys(P + "m*")).includes(P + "m2"));
  await r.set(P + "int", "12");
  assert.equal(await r.objectEncoding(P + "int"), "int");
}

async function testScan(r) {
  const names = [];
  const m = r.multi();
  for (let i = 0; i < 500; i++) {
    names.push(`${P}scan:${i}`);
    m.set(`${P}scan:${i}`, "x");
  }
  await m.execAsPipeline();
  const seen = new Set();
  for await (const keys of r.scanIterator({ MATCH: P + "scan:*", COUNT: 37 })) keys.forEach((k) => seen.add(k));
  assert.deepEqual([...seen].sort(), names.sort(), "scanIterator");
  const typed = new Set();
  for await (const keys of r.scanIterator({ MATCH: P + "scan:*", TYPE: "string", COUNT: 100 })) keys.forEach((k) => typed.add(k));
  assert.equal(typed.size, 500, "scanIterator TYPE");
}

async function testPipeline(r) {
  const res = await r.multi().set(P + "p1", "a").get(P + "p1").incr(P + "pc").mGet([P + "p1", P + "pc"]).execAsPipeline();
  assert.deepEqual(res, ["OK", "a", 1, ["a", "1"]]);
  const sets = await Promise.all(Array.from({ length: 5000 }, (_, i) => r.set(`${P}bulk:${i}`, String(i))));
  assert.ok(sets.every((v) => v === "OK"));
  const gets = await Promise.all(Array.from({ length: 5000 }, (_, i) => r.get(`${P}bulk:${i}`)));
  gets.forEach((v, i) => assert.equal(v, String(i)));
}

async function testBinaryAndLarge(r) {
  const b = r.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  const blob = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from("\r\n\0\r\n")]);
  await r.set(P + "bin", blob);
  assert.ok(blob.equals(await b.get(P + "bin")), "binary value");
  const big = crypto.randomBytes(1024 * 1024);
  await r.set(P + "big", big);
  assert.ok(big.equals(await b.get(P + "big")), "1 MB value");
  assert.equal(await r.strLen(P + "big"), big.length);
}

async function testDatabases(r) {
  const r5 = await client({ database: 5 });
  await r5.set(P + "dbk", "five");
  assert.equal(await r.get(P + "dbk"), null);
  assert.equal(await r5.get(P + "dbk"), "five");
  assert.equal(await r5.flushDb(), "OK");
  assert.equal(await r5.dbSize(), 0);
  r5.destroy();
}

async function testReconnect() {
  const admin = await client();
  const victim = await client({ name: "victim", database: 2 });
  await victim.set(P + "rc", "1");
  const id = await victim.clientId();
  const reconnected = waitFor(victim, "ready");
  assert.equal(await admin.clientKill({ filter: CLIENT_KILL_FILTERS.ID, id }), 1);
  await reconnected;
  assert.equal(await victim.get(P + "rc"), "1", "same database after reconnect");
  assert.notEqual(await victim.clientId(), id);
  assert.equal(await victim.clientGetName(), "victim", "name set again on reconnect");
  assert.match(String(await victim.sendCommand(["CLIENT", "INFO"])), new RegExp(` resp=${RESP}`));
  admin.destroy();
  victim.destroy();
}

async function main() {
  await testHandshake();
  console.log("  ok testHandshake");
  const r = await client();
  await r.flushAll();
  for (const t of [testReplyTypes, testStrings, testErrors, testKeysAndExpiry, testScan, testPipeline,
    testBinaryAndLarge, testDatabases, testReconnect]) {
    await t(r);
    console.log(`  ok ${t.name}`);
  }
  r.destroy();
  if (unexpected.length) throw unexpected[0];
  console.log(`node-redis ${VERSION} RESP${RESP}: all checks passed`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    console.error(`node-redis ${VERSION}: FAILED: ${e.message}`);
    process.exit(1);
  }
);
