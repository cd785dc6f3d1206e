// Applications built on Redis's scripting and blocking commands, run the way
// their users run them: two job queues (bee-queue, Bull 4: Lua scripts,
// BRPOPLPUSH, delayed and prioritised jobs), a distributed lock (Redlock:
// EVALSHA for acquire, extend and release) and a rate limiter
// (rate-limiter-flexible: a Lua script per request).
//
// Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD (optional). Exits
// non-zero when any application fails. Runs unchanged against redis-server
// 7.0, which is how the script itself is checked.
"use strict";
const assert = require("assert/strict");
const Redis = require("ioredis");
const BeeQueue = require("bee-queue");
const Bull = require("bull");
const { default: Redlock } = require("redlock");
const { RateLimiterRedis } = require("rate-limiter-flexible");

const connection = {
  host: process.env.GROVE_HOST || "127.0.0.1",
  port: Number(process.env.GROVE_PORT || 6379),
  password: process.env.GROVE_PASSWORD || undefined,
};
const unique = `${process.pid}-${Date.now()}`;

// Resolves once `count` calls of the returned tick have happened; rejects
// after `ms` so a queue that stops delivering fails instead of hanging.
function countdown(count, ms, what) {
  let tick;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timed out with ${count} left`)), ms);
    tick = () => {
      if (--count === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
  });
  return { done, tick: () => tick() };
}

async function testBeeQueue() {
  const queue = new BeeQueue(`bee-${unique}`, { redis: connection, removeOnSuccess: true, activateDelayedJobs: true });
  const results = [];
  const all = countdown(21, 20000, "bee-queue");
  queue.process(async (job) => job.data.x * 2);
  queue.on("job succeeded", (id, result) => {
    results.push(result);
    all.tick();
  });
  for (let i = 0; i < 20; i++) await queue.createJob({ x: i }).retries(1).save();
  await queue.createJob({ x: 100 }).delayUntil(Date.now() + 300).save();
  await all.done;
  assert.equal(results.reduce((a, b) => a + b, 0), 380 + 200, "every job ran once");
  await queue.close();
}

async function testBull() {
  const queue = new Bull(`bull-${unique}`, { redis: connection });
  const seen = [];
  const all = countdown(25, 30000, "bull");
  queue.process(async (job) => job.data.x + 1);
  queue.on("completed", (job, result) => {
    seen.push(result);
    all.tick();
  });
  queue.on("error", (e) => assert.fail(`bull: ${e}`));
  for (let i = 0; i < 20; i++) await queue.add({ x: i });
  for (let i = 0; i < 3; i++) await queue.add({ x: 100 + i }, { delay: 300 });
  for (let i = 0; i < 2; i++) await queue.add({ x: 200 + i }, { priority: 2 });
  await all.done;
  assert.equal(seen.length, 25);
  assert.deepEqual((await queue.getJobCounts()).completed, 25);
  await queue.close();
}

async function testRedlock() {
  const a = new Redis(connection);
  const b = new Redis(connection);
  const resource = [`lock-${unique}`];
  const lock = await new Redlock([a], { retryCount: 0 }).acquire(resource, 2000);
  await assert.rejects(new Redlock([b], { retryCount: 0 }).acquire(resource, 2000),
    "a held lock refuses a second owner");
  const extended = await lock.extend(3000);
  assert.ok((await a.pttl(resource[0])) > 2000, "extend moved the expiry");
  await extended.release();
  assert.equal(await a.exists(resource[0]), 0, "release deleted the lock");
  const again = await new Redlock([b], { retryCount: 0 }).acquire(resource, 1000);
  await again.release();
  a.disconnect();
  b.disconnect();
}

async function testRateLimiter() {
  const c = new Redis(connection);
  const limiter = new RateLimiterRedis({ storeClient: c, points: 5, duration: 10, keyPrefix: `rl-${unique}` });
  let allowed = 0;
  let refused = 0;
  for (let i = 0; i < 8; i++) {
    try {
      await limiter.consume("user");
      allowed++;
    } catch (e) {
      if (e instanceof Error) throw e; // a refusal is a RateLimiterRes, not an Error
      refused++;
    }
  }
  assert.deepEqual([allowed, refused], [5, 3]);
  c.disconnect();
}

(async () => {
  let failed = 0;
  for (const test of [testBeeQueue, testBull, testRedlock, testRateLimiter]) {
    try {
      await test();
      console.log(`ok ${test.name}`);
    } catch (e) {
      failed++;
      console.log(`FAILED ${test.name}:`, e);
    }
  }
  process.exit(failed ? 1 : 0);
})();
