# redis-rb (Debian's ruby-redis) against a Redis-protocol server, the way
# Ruby applications use it.
#
# Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional: the server
# was started with --requirepass). Exits non-zero on the first failure.
# Runs unchanged against redis-server 7.0, which is how the script itself is
# checked.
require "redis"
require "securerandom"

HOST = ENV.fetch("GROVE_HOST", "127.0.0.1")
PORT = Integer(ENV.fetch("GROVE_PORT", "6379"))
PASSWORD = ENV["GROVE_PASSWORD"].to_s.empty? ? nil : ENV["GROVE_PASSWORD"]
P = "ruby_redis:"

class Failure < StandardError; end

def check(cond, what)
  raise Failure, what unless cond
end

def eq(got, want, what)
  raise Failure, "#{what}: got #{got.inspect}, want #{want.inspect}" unless got == want
end

def client(**opts)
  Redis.new(host: HOST, port: PORT, password: PASSWORD, timeout: 10, **opts)
end

def raises(klass, what)
  yield
  raise Failure, "#{what}: no error"
rescue klass => e
  e
end

def test_handshake
  # password -> AUTH, db -> SELECT, id -> CLIENT SETNAME, on connect
  r = client(db: 3, id: "grove-ruby-redis")
  eq(r.ping, "PONG", "PING")
  eq(r.call(%w[CLIENT GETNAME]), "grove-ruby-redis", "CLIENT GETNAME")
  info = r.call(%w[CLIENT INFO])
  check(info.include?(" db=3 "), "CLIENT INFO db: #{info}")
  r.close
  return unless PASSWORD

  e = raises(Redis::BaseError, "wrong password") { client(password: "not-" + PASSWORD).ping }
  check(e.message.start_with?("WRONGPASS"), "wrong password: #{e.message}")
  e = raises(Redis::CommandError, "no AUTH") { client(password: nil).get(P + "x") }
  eq(e.message, "NOAUTH Authentication required.", "no AUTH")
  eq(client(username: "default").ping, "PONG", "AUTH default <password>")
end

def test_info(r)
  info = r.info
  check(info["redis_version"].start_with?("7."), "INFO redis_version")
  check(r.info("memory").key?("used_memory"), "INFO memory")
  check(r.dbsize >= 0, "DBSIZE")
  eq(r.echo("hi"), "hi", "ECHO")
  check(r.time[0] > 0, "TIME")
  check(r.config(:get, "maxmemory*").key?("maxmemory"), "CONFIG GET")
  eq(r.config(:set, "hz", "10"), "OK", "CONFIG SET")
  check(r.connected?, "connected?")
end

def test_strings(r)
  eq(r.set(P + "s", "v"), "OK", "SET")
  eq(r.get(P + "s"), "v", "GET")
  eq(r.get(P + "missing"), nil, "GET missing")
  eq(r.set(P + "s", "w", nx: true), false, "SET NX")
  eq(r.set(P + "s", "w", xx: true), true, "SET XX")
  eq(r.set(P + "ex", "v", ex: 100), "OK", "SET EX")
  check(r.ttl(P + "ex").between?(90, 100), "TTL")
  eq(r.set(P + "px", "v", px: 100_000), "OK", "SET PX")
  check(r.pttl(P + "px") > 90_000, "PTTL")
  eq(r.set(P + "ex", "v2", keepttl: true), "OK", "SET KEEPTTL")
  check(r.ttl(P + "ex") > 0, "KEEPTTL kept it")
  eq(r.setnx(P + "nx", "1"), true, "SETNX")
  eq(r.setex(P + "setex", 50, "v"), "OK", "SETEX")
  eq(r.getset(P + "s", "new"), "w", "GETSET")
  eq(r.getdel(P + "s"), "new", "GETDEL")
  r.set(P + "ge", "v")
  eq(r.getex(P + "ge", ex: 100), "v", "GETEX")
  eq(r.append(P + "ap", "abcd"), 4, "APPEND")
  eq(r.getrange(P + "ap", 1, 2), "bc", "GETRANGE")
  eq(r.mset(P + "m1", "a", P + "m2", "b"), "OK", "MSET")
  eq(r.mapped_mset(P + "m3" => "c"), "OK", "mapped_mset")
  eq(r.mget(P + "m1", P + "nope", P + "m2"), ["a", nil, "b"], "MGET")
  eq(r.mapped_mget(P + "m1", P + "m3"), { P + "m1" => "a", P + "m3" => "c" }, "mapped_mget")
  eq(r.msetnx(P + "m1", "x", P + "m9", "y"), false, "MSETNX")
  eq(r.incr(P + "n"), 1, "INCR")
  eq(r.incrby(P + "n", 10), 11, "INCRBY")
  eq(r.decr(P + "n"), 10, "DECR")
  eq(r.decrby(P + "n", 5), 5, "DECRBY")
  eq(r.incrbyfloat(P + "n", 0.5), 5.5, "INCRBYFLOAT")
  r.set(P + "u", "héllo ✓")
  eq(r.get(P + "u").force_encoding("UTF-8"), "héllo ✓", "UTF-8")
end

def test_errors(r)
  r.set(P + "notint", "abc")
  e = raises(Redis::CommandError, "INCR on a non-integer") { r.incr(P + "notint") }
  eq(e.message, "ERR value is not an integer or out of range", "INCR error")
  e = raises(Redis::CommandError, "unknown command") { r.call("NO-SUCH-COMMAND", "a") }
  check(e.message.start_with?("ERR unknown command 'NO-SUCH-COMMAND'"), e.message)
  e = raises(Redis::CommandError, "SELECT 1000") { client.select(1000) }
  eq(e.message, "ERR DB index is out of range", "SELECT error")
  eq(r.ping, "PONG", "the connection survives errors")
end

def test_keys_and_expiry(r)
  r.set(P + "k", "v")
  eq(r.type(P + "k"), "string", "TYPE")
  eq(r.exists(P + "k", P + "zz"), 1, "EXISTS")
  eq(r.exists?(P + "k"), true, "exists?")
  eq(r.expire(P + "k", 100), true, "EXPIRE")
  eq(r.pexpire(P + "k", 200_000), true, "PEXPIRE")
  eq(r.expireat(P + "k", Time.now.to_i + 300), true, "EXPIREAT")
  eq(r.persist(P + "k"), true, "PERSIST")
  eq(r.ttl(P + "k"), -1, "TTL")
  eq(r.ttl(P + "nokey"), -2, "TTL missing")
  r.set(P + "short", "v", px: 50)
  sleep 0.15
  eq(r.get(P + "short"), nil, "expired")
  eq(r.rename(P + "k", P + "k2"), "OK", "RENAME")
  eq(r.del(P + "k2", P + "nokey"), 1, "DEL")
  check(r.keys(P + "m*").include?(P + "m2"), "KEYS")
  r.set(P + "int", 12)
  eq(r.object("encoding", P + "int"), "int", "OBJECT ENCODING")
end

def test_scan(r)
  names = (0...500).map { |i| "#{P}scan:#{i}" }
  r.pipelined { |p| names.each { |n| p.set(n, "x") } }
  eq(r.scan_each(match: P + "scan:*", count: 37).to_a.uniq.sort, names.sort, "scan_each")
  eq(r.scan_each(match: P + "scan:*", type: "string").to_a.uniq.size, 500, "scan_each type")
  cursor, keys = r.scan(0, match: P + "scan:*", count: 10)
  check(cursor.is_a?(String) && keys.is_a?(Array), "SCAN reply")
end

def test_pipeline(r)
  res = r.pipelined do |p|
    p.set(P + "p1", "a")
    p.get(P + "p1")
    p.incr(P + "pc")
    p.mget(P + "p1", P + "pc")
  end
  eq(res, ["OK", "a", 1, ["a", "1"]], "pipelined")
  r.set(P + "pe", "x")
  raises(Redis::CommandError, "pipelined error") do
    r.pipelined do |p|
      p.incr(P + "pe")
      p.get(P + "pe")
    end
  end
  eq(r.get(P + "pe"), "x", "after a pipelined error")
  res = r.pipelined { |p| 5000.times { |i| p.set("#{P}bulk:#{i}", i) } }
  check(res.all?("OK"), "5000 SETs")
end

def test_binary_and_large(r)
  blob = (0..255).map(&:chr).join.b + "\r\n\0\r\n".b
  r.set(P + "bin", blob)
  eq(r.get(P + "bin").b, blob, "binary value")
  big = SecureRandom.random_bytes(1 << 20)
  r.set(P + "big", big)
  eq(r.get(P + "big").b, big, "1 MB value")
  eq(r.strlen(P + "big"), big.bytesize, "STRLEN")
end

def test_databases_and_reconnect(r)
  r5 = client(db: 5, id: "victim")
  r5.set(P + "dbk", "five")
  eq(r.get(P + "dbk"), nil, "db0 does not see db5")
  eq(r5.get(P + "dbk"), "five", "db5")
  id = r5.call(%w[CLIENT ID])
  eq(r.call("CLIENT", "KILL", "ID", id.to_s), 1, "CLIENT KILL ID")
  # redis-rb reconnects (reconnect_attempts: 1) and selects db 5 again
  eq(r5.get(P + "dbk"), "five", "db5 after reconnect")
  check(r5.call(%w[CLIENT ID]) != id, "a new connection")
  eq(r5.call(%w[CLIENT GETNAME]), "victim", "name set again on reconnect")
  r5.flushdb
  eq(r5.dbsize, 0, "FLUSHDB")
  r5.close
end

begin
  test_handshake
  puts "  ok test_handshake"
  r = client
  r.flushall
  %i[test_info test_strings test_errors test_keys_and_expiry test_scan test_pipeline
     test_binary_and_large test_databases_and_reconnect].each do |t|
    send(t, r)
    puts "  ok #{t}"
  end
  puts "redis-rb #{Redis::VERSION}: all checks passed"
rescue StandardError => e
  warn e.full_message
  warn "redis-rb: FAILED: #{e.message}"
  exit 1
end
