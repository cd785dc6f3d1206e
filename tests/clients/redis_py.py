#!/usr/bin/python3
"""redis-py against a Redis-protocol server, the way applications use it.

Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional: the server
was started with --requirepass). Exits non-zero on the first failure.
Runs unchanged against redis-server 7.0, which is how the script itself is
checked (see scripts/clients-test --against-redis).
"""
import os
import sys
import time

import redis

HOST = os.environ.get("GROVE_HOST", "127.0.0.1")
PORT = int(os.environ.get("GROVE_PORT", "6379"))
PASSWORD = os.environ.get("GROVE_PASSWORD") or None
P = "redis_py:"  # every key this script makes starts with it


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def client(**kw):
    return redis.Redis(host=HOST, port=PORT, password=PASSWORD, socket_timeout=10, **kw)


def test_handshake():
    # client_name -> CLIENT SETNAME, db -> SELECT, password -> AUTH, all on connect.
    r = client(db=3, client_name="grove-redis-py", health_check_interval=1)
    check(r.ping(), "ping")
    eq(r.client_getname(), "grove-redis-py", "CLIENT GETNAME")
    info = r.client_info()
    eq(info["name"], "grove-redis-py", "CLIENT INFO name")
    eq(int(info["db"]), 3, "CLIENT INFO db")
    check(any(c["name"] == "grove-redis-py" for c in r.client_list()), "CLIENT LIST has us")
    check(isinstance(r.client_id(), int), "CLIENT ID")
    time.sleep(1.1)  # the next command is preceded by the health check PING
    r.set(P + "db3", "x")
    eq(r.get(P + "db3"), b"x", "GET after health check")
    r.close()
    if PASSWORD:
        bad = redis.Redis(host=HOST, port=PORT, password="not-" + PASSWORD)
        try:
            bad.ping()
            raise AssertionError("a wrong password was accepted")
        except redis.ResponseError as e:  # redis-py 4.3 maps WRONGPASS to no subclass
            check(str(e).startswith("WRONGPASS"), f"wrong password: {e}")
        anon = redis.Redis(host=HOST, port=PORT)
        try:
            anon.get(P + "x")
            raise AssertionError("a command ran without AUTH")
        except redis.AuthenticationError:
            pass
        # username + password: AUTH default <password>
        eq(redis.Redis(host=HOST, port=PORT, username="default", password=PASSWORD).ping(), True,
           "AUTH default <password>")


def test_info(r):
    info = r.info()
    check(info["redis_version"].startswith("7."), "INFO redis_version")
    check("connected_clients" in info, "INFO connected_clients")
    check("used_memory" in r.info("memory"), "INFO memory")
    eq(r.info("server")["redis_mode"], "standalone", "INFO server redis_mode")
    ks = r.info("keyspace")
    check(isinstance(ks, dict), "INFO keyspace parses")
    r.set(P + "ks", 1)
    check(r.info("keyspace")["db0"]["keys"] >= 1, "INFO keyspace db0 keys")
    check(r.dbsize() >= 1, "DBSIZE")
    eq(r.echo("hi"), b"hi", "ECHO")
    check(isinstance(r.time()[0], int), "TIME")
    cfg = r.config_get("maxmemory*")
    check("maxmemory" in cfg, "CONFIG GET maxmemory*")
    check(r.config_set("hz", 10), "CONFIG SET hz")
    cmds = r.command_count()
    check(cmds > 10, "COMMAND COUNT")


def test_strings(r):
    check(r.set(P + "s", "v"), "SET")
    eq(r.get(P + "s"), b"v", "GET")
    eq(r.get(P + "missing"), None, "GET missing")
    eq(r.set(P + "s", "w", nx=True), None, "SET NX on existing")
    check(r.set(P + "s", "w", xx=True), "SET XX")
    eq(r.set(P + "s", "z", get=True), b"w", "SET GET")
    check(r.set(P + "ex", "v", ex=100), "SET EX")
    check(90 <= r.ttl(P + "ex") <= 100, "TTL after SET EX")
    check(r.set(P + "px", "v", px=100000), "SET PX")
    check(90000 <= r.pttl(P + "px") <= 100000, "PTTL after SET PX")
    check(r.set(P + "ex", "v2", keepttl=True), "SET KEEPTTL")
    check(r.ttl(P + "ex") > 0, "KEEPTTL kept the TTL")
    check(r.set(P + "exat", "v", exat=int(time.time()) + 100), "SET EXAT")
    check(r.set(P + "pxat", "v", pxat=int(time.time() * 1000) + 100000), "SET PXAT")
    check(r.ttl(P + "exat") > 0 and r.ttl(P + "pxat") > 0, "EXAT/PXAT TTL")
    check(r.setnx(P + "nx", "1"), "SETNX new")
    check(not r.setnx(P + "nx", "2"), "SETNX existing")
    check(r.setex(P + "setex", 50, "v"), "SETEX")
    check(r.psetex(P + "psetex", 50000, "v"), "PSETEX")
    eq(r.getset(P + "s", "new"), b"z", "GETSET")
    eq(r.getdel(P + "s"), b"new", "GETDEL")
    eq(r.exists(P + "s"), 0, "GETDEL deleted")
    r.set(P + "ge", "v")
    eq(r.getex(P + "ge", ex=100), b"v", "GETEX EX")
    check(r.ttl(P + "ge") > 0, "GETEX set a TTL")
    eq(r.getex(P + "ge", persist=True), b"v", "GETEX PERSIST")
    eq(r.ttl(P + "ge"), -1, "GETEX PERSIST removed it")
    eq(r.append(P + "ap", "ab"), 2, "APPEND new")
    eq(r.append(P + "ap", "cd"), 4, "APPEND")
    eq(r.strlen(P + "ap"), 4, "STRLEN")
    eq(r.getrange(P + "ap", 1, 2), b"bc", "GETRANGE")
    eq(r.setrange(P + "ap", 1, "XY"), 4, "SETRANGE")
    eq(r.get(P + "ap"), b"aXYd", "after SETRANGE")
    r.mset({P + "lcs1": "ohmytext", P + "lcs2": "mynewtext"})
    eq(r.execute_command("LCS", P + "lcs1", P + "lcs2"), b"mytext", "LCS")
    # MSET / MGET / MSETNX
    check(r.mset({P + "m1": "a", P + "m2": "b"}), "MSET")
    eq(r.mget(P + "m1", P + "nope", P + "m2"), [b"a", None, b"b"], "MGET")
    eq(r.mget([P + "m1", P + "m2"]), [b"a", b"b"], "MGET list")
    check(not r.msetnx({P + "m1": "x", P + "m3": "y"}), "MSETNX with an existing key")
    check(r.msetnx({P + "m4": "x", P + "m5": "y"}), "MSETNX all new")
    # INCR family
    eq(r.incr(P + "n"), 1, "INCR")
    eq(r.incrby(P + "n", 10), 11, "INCRBY")
    eq(r.decr(P + "n"), 10, "DECR")
    eq(r.decrby(P + "n", 5), 5, "DECRBY")
    eq(r.incrbyfloat(P + "n", 0.5), 5.5, "INCRBYFLOAT")
    eq(r.incrbyfloat(P + "f", "1.5e3"), 1500.0, "INCRBYFLOAT exponent")
    eq(r.get(P + "f"), b"1500", "INCRBYFLOAT stores the shortest form")
    # decode_responses
    rd = client(decode_responses=True)
    rd.set(P + "u", "héllo")
    eq(rd.get(P + "u"), "héllo", "decode_responses UTF-8")
    rd.close()


def test_errors(r):
    r.set(P + "notint", "abc")
    try:
        r.incr(P + "notint")
        raise AssertionError("INCR on a non-integer succeeded")
    except redis.ResponseError as e:
        eq(str(e), "value is not an integer or out of range", "INCR error text")
    try:
        r.incrbyfloat(P + "notint", 1)
        raise AssertionError("INCRBYFLOAT on a non-number succeeded")
    except redis.ResponseError as e:
        eq(str(e), "value is not a valid float", "INCRBYFLOAT error text")
    try:
        r.lpush(P + "notint", "x")  # WRONGTYPE on Redis; unknown command on Grove for now
        raise AssertionError("LPUSH on a string key succeeded")
    except redis.ResponseError as e:
        check("unknown command" in str(e) or str(e).startswith("WRONGTYPE"), f"LPUSH: {e}")
    try:
        r.execute_command("NO-SUCH-COMMAND", "a")
        raise AssertionError("an unknown command succeeded")
    except redis.ResponseError as e:
        check(str(e).startswith("unknown command 'NO-SUCH-COMMAND'"), f"unknown: {e}")
    try:
        r.execute_command("GET")
        raise AssertionError("GET without a key succeeded")
    except redis.ResponseError as e:
        eq(str(e), "wrong number of arguments for 'get' command", "arity error")
    try:
        r.select(1000)
        raise AssertionError("SELECT 1000 succeeded")
    except redis.ResponseError as e:
        eq(str(e), "DB index is out of range", "SELECT out of range")
    check(r.ping(), "the connection survives errors")


def test_keys_and_expiry(r):
    r.set(P + "k", "v")
    eq(r.type(P + "k"), b"string", "TYPE")
    eq(r.exists(P + "k", P + "k", P + "zz"), 2, "EXISTS counts")
    check(r.expire(P + "k", 100), "EXPIRE")
    check(95 <= r.ttl(P + "k") <= 100, "TTL")
    check(r.pexpire(P + "k", 200000), "PEXPIRE")
    check(r.pttl(P + "k") > 100000, "PTTL")
    check(r.expireat(P + "k", int(time.time()) + 300), "EXPIREAT")
    check(r.pexpireat(P + "k", int(time.time() * 1000) + 300000), "PEXPIREAT")
    check(r.expiretime(P + "k") > time.time(), "EXPIRETIME")
    check(not r.expire(P + "k", 10, gt=True), "EXPIRE GT smaller")
    check(r.expire(P + "k", 10, lt=True), "EXPIRE LT smaller")
    check(not r.expire(P + "k", 10, nx=True), "EXPIRE NX with a TTL")
    check(r.persist(P + "k"), "PERSIST")
    eq(r.ttl(P + "k"), -1, "TTL without expiry")
    eq(r.ttl(P + "nokey"), -2, "TTL of a missing key")
    r.set(P + "short", "v", px=50)
    time.sleep(0.15)
    eq(r.get(P + "short"), None, "expired key is gone")
    eq(r.exists(P + "short"), 0, "expired key does not exist")
    check(r.rename(P + "k", P + "k2"), "RENAME")
    check(not r.renamenx(P + "k2", P + "m1"), "RENAMENX onto an existing key")
    check(r.copy(P + "k2", P + "k3"), "COPY")
    eq(r.get(P + "k3"), b"v", "COPY copied")
    eq(r.delete(P + "k2", P + "k3", P + "nokey"), 2, "DEL")
    r.set(P + "u1", 1)
    eq(r.unlink(P + "u1"), 1, "UNLINK")
    eq(r.touch(P + "m1", P + "m2"), 2, "TOUCH")
    check(r.randomkey() is not None, "RANDOMKEY")
    eq(r.object("encoding", P + "n"), b"embstr", "OBJECT ENCODING of a float string")
    r.set(P + "int", 12)
    eq(r.object("encoding", P + "int"), b"int", "OBJECT ENCODING int")
    check(P.encode() + b"int" in r.keys(P + "*"), "KEYS pattern")


def test_scan(r):
    names = {f"{P}scan:{i}".encode() for i in range(500)}
    with r.pipeline(transaction=False) as p:
        for n in names:
            p.set(n, "x")
        p.execute()
    eq(set(r.scan_iter(match=P + "scan:*", count=37)), names, "scan_iter MATCH COUNT")
    got = set(r.scan_iter(match=P + "scan:*", _type="string", count=100))
    eq(got, names, "scan_iter TYPE string")
    cursor, batch = r.scan(0, match=P + "scan:*", count=10)
    check(isinstance(cursor, int), "SCAN cursor is an int")
    n = 0
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, match=P + "scan:*", count=50)
        n += len(keys)
        if cursor == 0:
            break
    check(n >= 500, "manual SCAN loop")


def test_pipeline(r):
    p = r.pipeline(transaction=False)
    p.set(P + "p1", "a").get(P + "p1").incr(P + "pc").incr(P + "pc").mget(P + "p1", P + "pc")
    eq(p.execute(), [True, b"a", 1, 2, [b"a", b"2"]], "pipeline results")
    # errors inside a pipeline come back in place when asked for
    p = r.pipeline(transaction=False)
    p.set(P + "pe", "x").incr(P + "pe").get(P + "pe")
    res = p.execute(raise_on_error=False)
    check(res[0] is True and isinstance(res[1], redis.ResponseError) and res[2] == b"x",
          f"pipeline with an error: {res!r}")
    p = r.pipeline(transaction=False)
    p.incr(P + "pe")
    try:
        p.execute()
        raise AssertionError("pipeline error not raised")
    except redis.ResponseError:
        pass
    # a big pipeline
    p = r.pipeline(transaction=False)
    for i in range(5000):
        p.set(f"{P}bulk:{i}", i)
    check(all(p.execute()), "5000 SETs")
    p = r.pipeline(transaction=False)
    for i in range(5000):
        p.get(f"{P}bulk:{i}")
    eq(p.execute(), [str(i).encode() for i in range(5000)], "5000 GETs")
    # redis-py writes a whole pipeline before it reads a reply: 100 MB of
    # requests and 100 MB of replies must not leave both sides waiting
    mb = b"m" * (1024 * 1024)
    p = r.pipeline(transaction=False)
    for i in range(100):
        p.set(P + "mb", mb).get(P + "mb")
    res = p.execute()
    check(len(res) == 200 and all(v == mb for v in res[1::2]), "100 x (SET 1 MB, GET) pipeline")
    r.delete(P + "mb")


def test_binary_and_large(r):
    blob = bytes(range(256)) * 4 + b"\r\n\x00\r\n"
    r.set(P + "bin", blob)
    eq(r.get(P + "bin"), blob, "binary value")
    bkey = P.encode() + b"\x00\xff\r\nkey"
    r.set(bkey, b"\x00")
    eq(r.get(bkey), b"\x00", "binary key")
    big = os.urandom(1024 * 1024)
    r.set(P + "big", big)
    eq(r.get(P + "big"), big, "1 MB value")
    eq(r.strlen(P + "big"), len(big), "STRLEN of 1 MB")
    huge = b"y" * (8 * 1024 * 1024)
    r.set(P + "huge", huge)
    eq(r.get(P + "huge"), huge, "8 MB value")
    r.delete(P + "huge")


def test_databases(r):
    r0 = client(db=0)
    r5 = client(db=5)
    r0.set(P + "dbk", "zero")
    r5.set(P + "dbk", "five")
    eq(r0.get(P + "dbk"), b"zero", "db0 value")
    eq(r5.get(P + "dbk"), b"five", "db5 value")
    check(r5.move(P + "dbk", 6) or True, "MOVE")
    eq(client(db=6).get(P + "dbk"), b"five", "MOVE to db6")
    r5.swapdb(5, 6)
    eq(r5.get(P + "dbk"), b"five", "SWAPDB")
    r5.flushdb()
    eq(r5.dbsize(), 0, "FLUSHDB db5")
    eq(r0.get(P + "dbk"), b"zero", "FLUSHDB kept db0")
    # a connection pool re-selects the database on every new connection
    pool = redis.ConnectionPool(host=HOST, port=PORT, password=PASSWORD, db=7)
    a = redis.Redis(connection_pool=pool)
    a.set(P + "pool", "7")
    eq(client(db=7).get(P + "pool"), b"7", "pool db7")
    pool.disconnect()
    for c in (r0, r5):
        c.close()


def test_reconnect(r):
    admin = client()
    victim = client(client_name="victim", retry_on_timeout=True)
    victim.set(P + "rc", "1")
    vid = victim.client_id()
    eq(admin.client_kill_filter(_id=vid), 1, "CLIENT KILL ID")
    # redis-py reconnects on the next command (one retry on ConnectionError)
    got = None
    for _ in range(3):
        try:
            got = victim.get(P + "rc")
            break
        except redis.ConnectionError:
            continue
    eq(got, b"1", "GET after reconnect")
    check(victim.client_id() != vid, "a new connection")
    eq(victim.client_getname(), "victim", "the name is set again on reconnect")
    # CLIENT KILL by address, and the old form
    addr = victim.client_info()["addr"]
    check(admin.client_kill(addr), "CLIENT KILL addr")
    eq(victim.ping(), True, "ping after old-form kill (reconnects)")
    admin.close()
    victim.close()


def main():
    test_handshake()
    print("  ok test_handshake")
    r = client()
    r.flushall()
    for t in (test_info, test_strings, test_errors, test_keys_and_expiry, test_scan,
              test_pipeline, test_binary_and_large, test_databases, test_reconnect):
        t(r)
        print(f"  ok {t.__name__}")
    print(f"redis-py {redis.__version__}: all checks passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report and fail
        import traceback
        traceback.print_exc()
        print(f"redis-py: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
