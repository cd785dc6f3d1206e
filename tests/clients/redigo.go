// redigo (github.com/gomodule/redigo, Debian's golang-github-gomodule-redigo-dev)
// against a Redis-protocol server, the way Go applications use it: a Pool
// with a PING on borrow, Dial options for AUTH/SELECT/CLIENT SETNAME,
// Send/Flush/Receive pipelines and the reply helpers.
//
// Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional: the server
// was started with --requirepass). Build offline against Debian's GOPATH:
//   GO111MODULE=off GOPATH=/usr/share/gocode go run tests/clients/redigo.go
// Exits non-zero on the first failure. Runs unchanged against redis-server
// 7.0, which is how the program itself is checked.
package main

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gomodule/redigo/redis"
)

const P = "redigo:"

var (
	addr     = fmt.Sprintf("%s:%s", env("GROVE_HOST", "127.0.0.1"), env("GROVE_PORT", "6379"))
	password = os.Getenv("GROVE_PASSWORD")
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type failure struct{ msg string }

func fail(format string, args ...interface{}) {
	panic(failure{fmt.Sprintf(format, args...)})
}

func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func eq(got, want interface{}, what string) {
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		fail("%s: got %#v, want %#v", what, got, want)
	}
}

func dial(opts ...redis.DialOption) redis.Conn {
	all := []redis.DialOption{redis.DialConnectTimeout(5 * time.Second),
		redis.DialReadTimeout(10 * time.Second), redis.DialWriteTimeout(10 * time.Second)}
	if password != "" {
		all = append(all, redis.DialPassword(password))
	}
	c, err := redis.Dial("tcp", addr, append(all, opts...)...)
	must(err, "dial")
	return c
}

func str(c redis.Conn, cmd string, args ...interface{}) string {
	s, err := redis.String(c.Do(cmd, args...))
	must(err, cmd)
	return s
}

func integer(c redis.Conn, cmd string, args ...interface{}) int64 {
	n, err := redis.Int64(c.Do(cmd, args...))
	must(err, cmd)
	return n
}

func testHandshake() {
	c := dial(redis.DialDatabase(3), redis.DialClientName("grove-redigo"))
	defer c.Close()
	eq(str(c, "PING"), "PONG", "PING")
	eq(str(c, "CLIENT", "GETNAME"), "grove-redigo", "CLIENT GETNAME")
	info := str(c, "CLIENT", "INFO")
	if !strings.Contains(info, " db=3 ") || !strings.Contains(info, " name=grove-redigo ") {
		fail("CLIENT INFO: %q", info)
	}
	if password != "" {
		_, err := redis.Dial("tcp", addr, redis.DialPassword("not-"+password))
		if err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
			fail("wrong password: %v", err)
		}
		anon, err := redis.Dial("tcp", addr)
		must(err, "dial without password")
		_, err = anon.Do("GET", P+"x")
		var re redis.Error
		if !errors.As(err, &re) || err.Error() != "NOAUTH Authentication required." {
			fail("no AUTH: %v", err)
		}
		anon.Close()
		u := dial(redis.DialUsername("default"))
		eq(str(u, "PING"), "PONG", "AUTH default <password>")
		u.Close()
	}
}

func testPoolAndInfo() {
	pool := &redis.Pool{
		MaxIdle:     4,
		IdleTimeout: time.Minute,
		Dial:        func() (redis.Conn, error) { return dial(), nil },
		TestOnBorrow: func(c redis.Conn, t time.Time) error {
			_, err := c.Do("PING")
			return err
		},
	}
	defer pool.Close()
	for i := 0; i < 20; i++ {
		c := pool.Get()
		_, err := c.Do("INCR", P+"pool")
		must(err, "INCR through the pool")
		c.Close()
	}
	c := pool.Get()
	defer c.Close()
	eq(integer(c, "GET", P+"pool"), int64(20), "pool INCRs")
	info := str(c, "INFO")
	if !strings.HasPrefix(info, "# Server\r\n") || !strings.Contains(info, "redis_version:7.") {
		fail("INFO: %q", info[:60])
	}
	cfg, err := redis.StringMap(c.Do("CONFIG", "GET", "maxmemory*"))
	must(err, "CONFIG GET")
	if _, ok := cfg["maxmemory"]; !ok {
		fail("CONFIG GET maxmemory*: %v", cfg)
	}
	t, err := redis.Int64s(c.Do("TIME"))
	must(err, "TIME")
	if len(t) != 2 || t[0] < time.Now().Unix()-5 {
		fail("TIME: %v", t)
	}
	if integer(c, "COMMAND", "COUNT") < 10 {
		fail("COMMAND COUNT")
	}
}

func testStrings(c redis.Conn) {
	eq(str(c, "SET", P+"s", "v"), "OK", "SET")
	eq(str(c, "GET", P+"s"), "v", "GET")
	v, err := c.Do("GET", P+"missing")
	must(err, "GET missing")
	eq(v, nil, "GET missing is nil")
	_, err = redis.String(c.Do("GET", P+"missing"))
	if err != redis.ErrNil {
		fail("redis.String(nil) should be ErrNil, got %v", err)
	}
	v, err = c.Do("SET", P+"s", "w", "NX")
	must(err, "SET NX")
	eq(v, nil, "SET NX on an existing key")
	eq(str(c, "SET", P+"s", "z", "XX", "GET"), "v", "SET XX GET")
	eq(str(c, "SET", P+"ex", "v", "EX", 100), "OK", "SET EX")
	if ttl := integer(c, "TTL", P+"ex"); ttl < 90 || ttl > 100 {
		fail("TTL %d", ttl)
	}
	eq(str(c, "SET", P+"ex", "v2", "KEEPTTL"), "OK", "SET KEEPTTL")
	if integer(c, "PTTL", P+"ex") <= 0 {
		fail("KEEPTTL lost the TTL")
	}
	eq(str(c, "MSET", P+"m1", "a", P+"m2", "b"), "OK", "MSET")
	vals, err := redis.Strings(c.Do("MGET", P+"m1", P+"nope", P+"m2"))
	must(err, "MGET")
	eq(vals, []string{"a", "", "b"}, "MGET")
	raw, err := redis.Values(c.Do("MGET", P+"m1", P+"nope"))
	must(err, "MGET values")
	eq(raw[1], nil, "MGET nil element")
	eq(integer(c, "MSETNX", P+"m1", "x", P+"m9", "y"), int64(0), "MSETNX")
	eq(integer(c, "INCR", P+"n"), int64(1), "INCR")
	eq(integer(c, "INCRBY", P+"n", 10), int64(11), "INCRBY")
	eq(integer(c, "DECR", P+"n"), int64(10), "DECR")
	eq(integer(c, "DECRBY", P+"n", 5), int64(5), "DECRBY")
	f, err := redis.Float64(c.Do("INCRBYFLOAT", P+"n", 0.5))
	must(err, "INCRBYFLOAT")
	eq(f, 5.5, "INCRBYFLOAT")
	eq(integer(c, "APPEND", P+"ap", "abcd"), int64(4), "APPEND")
	eq(str(c, "GETRANGE", P+"ap", 1, 2), "bc", "GETRANGE")
	eq(str(c, "GETDEL", P+"ap"), "abcd", "GETDEL")
	eq(integer(c, "EXISTS", P+"ap"), int64(0), "GETDEL deleted")
}

func testErrors(c redis.Conn) {
	eq(str(c, "SET", P+"notint", "abc"), "OK", "SET")
	_, err := c.Do("INCR", P+"notint")
	var re redis.Error
	if !errors.As(err, &re) || err.Error() != "ERR value is not an integer or out of range" {
		fail("INCR on a non-integer: %v", err)
	}
	_, err = c.Do("NO-SUCH-COMMAND", "a")
	if err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'NO-SUCH-COMMAND'") {
		fail("unknown command: %v", err)
	}
	_, err = c.Do("SELECT", 1000)
	if err == nil || err.Error() != "ERR DB index is out of range" {
		fail("SELECT 1000: %v", err)
	}
	if c.Err() != nil {
		fail("an error reply broke the connection: %v", c.Err())
	}
	eq(str(c, "PING"), "PONG", "the connection survives errors")
}

func testExpiry(c redis.Conn) {
	str(c, "SET", P+"k", "v")
	eq(integer(c, "EXPIRE", P+"k", 100), int64(1), "EXPIRE")
	eq(integer(c, "EXPIRE", P+"k", 10, "GT"), int64(0), "EXPIRE GT")
	eq(integer(c, "PEXPIREAT", P+"k", time.Now().Add(time.Minute).UnixMilli()), int64(1), "PEXPIREAT")
	if integer(c, "EXPIRETIME", P+"k") < time.Now().Unix() {
		fail("EXPIRETIME")
	}
	eq(integer(c, "PERSIST", P+"k"), int64(1), "PERSIST")
	eq(integer(c, "TTL", P+"k"), int64(-1), "TTL")
	eq(integer(c, "TTL", P+"nokey"), int64(-2), "TTL missing")
	str(c, "SET", P+"short", "v", "PX", 50)
	time.Sleep(150 * time.Millisecond)
	v, err := c.Do("GET", P+"short")
	must(err, "GET expired")
	eq(v, nil, "expired key")
}

func testScanAndPipeline(c redis.Conn) {
	// a pipeline: Send x N, Flush, Receive x N
	want := map[string]bool{}
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("%sscan:%d", P, i)
		want[k] = true
		must(c.Send("SET", k, i), "Send")
	}
	must(c.Flush(), "Flush")
	for i := 0; i < 500; i++ {
		s, err := redis.String(c.Receive())
		must(err, "Receive")
		eq(s, "OK", "pipelined SET")
	}
	// the SCAN loop redigo's docs show: cursor, then keys
	seen := map[string]bool{}
	cursor := 0
	for {
		arr, err := redis.Values(c.Do("SCAN", cursor, "MATCH", P+"scan:*", "COUNT", 37))
		must(err, "SCAN")
		cursor, err = redis.Int(arr[0], nil)
		must(err, "SCAN cursor")
		keys, err := redis.Strings(arr[1], nil)
		must(err, "SCAN keys")
		for _, k := range keys {
			seen[k] = true
		}
		if cursor == 0 {
			break
		}
	}
	eq(len(seen), len(want), "SCAN saw every key")
	keys, err := redis.Strings(c.Do("KEYS", P+"scan:1?"))
	must(err, "KEYS")
	sort.Strings(keys)
	eq(len(keys), 10, "KEYS pattern")
	// a pipelined error arrives in its place
	c.Send("SET", P+"pe", "x")
	c.Send("INCR", P+"pe")
	c.Send("GET", P+"pe")
	c.Flush()
	_, err1 := c.Receive()
	_, err2 := c.Receive()
	v3, err3 := redis.String(c.Receive())
	if err1 != nil || err2 == nil || err3 != nil || v3 != "x" {
		fail("pipeline with an error: %v %v %v %q", err1, err2, err3, v3)
	}
}

func testBinaryAndLarge(c redis.Conn) {
	blob := append(bytes.Repeat([]byte{0, 255, '\r', '\n'}, 64), []byte("\r\n\x00")...)
	str(c, "SET", P+"bin", blob)
	got, err := redis.Bytes(c.Do("GET", P+"bin"))
	must(err, "GET binary")
	if !bytes.Equal(got, blob) {
		fail("binary value differs")
	}
	big := make([]byte, 1<<20)
	rand.Read(big)
	str(c, "SET", P+"big", big)
	got, err = redis.Bytes(c.Do("GET", P+"big"))
	must(err, "GET 1 MB")
	if !bytes.Equal(got, big) {
		fail("1 MB value differs")
	}
	// Send x N then Flush writes the whole pipeline before any reply is
	// read: 100 MB each way must not leave both sides waiting.
	for i := 0; i < 100; i++ {
		must(c.Send("SET", P+"big", big), "Send SET")
		must(c.Send("GET", P+"big"), "Send GET")
	}
	must(c.Flush(), "Flush 100 MB")
	for i := 0; i < 100; i++ {
		_, err := redis.String(c.Receive())
		must(err, "Receive SET")
		got, err := redis.Bytes(c.Receive())
		must(err, "Receive GET")
		if !bytes.Equal(got, big) {
			fail("pipelined 1 MB value %d differs", i)
		}
	}
}

func testDatabasesAndReconnect() {
	c5 := dial(redis.DialDatabase(5))
	c0 := dial()
	str(c5, "SET", P+"dbk", "five")
	v, err := c0.Do("GET", P+"dbk")
	must(err, "GET db0")
	eq(v, nil, "db0 does not see db5")
	eq(str(c0, "SELECT", 5), "OK", "SELECT 5")
	eq(str(c0, "GET", P+"dbk"), "five", "db5 after SELECT")
	str(c5, "FLUSHDB")
	c0.Close()
	// CLIENT KILL: the victim's next command fails with a connection error
	// (redigo does not reconnect: a Pool hands out a new connection).
	id := integer(c5, "CLIENT", "ID")
	admin := dial()
	eq(integer(admin, "CLIENT", "KILL", "ID", id), int64(1), "CLIENT KILL ID")
	_, err = c5.Do("PING")
	var re redis.Error
	if err == nil || errors.As(err, &re) {
		fail("a killed connection should fail with an I/O error, got %v", err)
	}
	if c5.Err() == nil {
		fail("a killed connection should be marked broken")
	}
	c5.Close()
	admin.Close()
}

func main() {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(failure); ok {
				fmt.Fprintf(os.Stderr, "redigo: FAILED: %s\n", f.msg)
				os.Exit(1)
			}
			panic(r)
		}
	}()
	testHandshake()
	fmt.Println("  ok testHandshake")
	c := dial()
	defer c.Close()
	str(c, "FLUSHALL")
	testPoolAndInfo()
	fmt.Println("  ok testPoolAndInfo")
	for _, t := range []struct {
		name string
		fn   func(redis.Conn)
	}{{"testStrings", testStrings}, {"testErrors", testErrors}, {"testExpiry", testExpiry},
		{"testScanAndPipeline", testScanAndPipeline}, {"testBinaryAndLarge", testBinaryAndLarge}} {
		t.fn(c)
		fmt.Println("  ok " + t.name)
	}
	testDatabasesAndReconnect()
	fmt.Println("  ok testDatabasesAndReconnect")
	fmt.Println("redigo: all checks passed")
}
