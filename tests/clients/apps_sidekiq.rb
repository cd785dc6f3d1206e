# Sidekiq (Debian's ruby-sidekiq 6) against a Redis-protocol server, the way
# its users run it: a `sidekiq` worker process fetching with BRPOP, the
# scheduler moving due jobs out of a sorted set with its Lua script, and a
# client pushing immediate and scheduled jobs.
#
# Run directly, this file starts the worker (loading itself with -r for the
# job class), pushes 10 jobs and 3 scheduled ones, and waits until all 13
# have run exactly once. Environment: GROVE_HOST, GROVE_PORT, GROVE_PASSWORD
# (optional). Runs unchanged against redis-server 7.0.
require 'sidekiq'

Redis.silence_deprecations = true # redis-rb 4.8 on Sidekiq 6's SADD

def redis_url
  auth = ENV['GROVE_PASSWORD'].to_s.empty? ? '' : ":#{ENV['GROVE_PASSWORD']}@"
  "redis://#{auth}#{ENV.fetch('GROVE_HOST', '127.0.0.1')}:#{ENV.fetch('GROVE_PORT', '6379')}/4"
end

Sidekiq.configure_server do |config|
  config.redis = { url: redis_url }
  config.average_scheduled_poll_interval = 1
end
Sidekiq.configure_client { |config| config.redis = { url: redis_url } }

class GroveAddJob
  include Sidekiq::Worker

  def perform(results, a, b)
    Sidekiq.redis { |r| r.rpush(results, a + b) }
  end
end

if $PROGRAM_NAME == __FILE__
  results = "sidekiq-results-#{Process.pid}"
  worker = spawn('sidekiq', '-r', File.expand_path(__FILE__), '-c', '2',
                 %i[out err] => File::NULL)
  begin
    10.times { |i| GroveAddJob.perform_async(results, i, i) }
    3.times { |i| GroveAddJob.perform_in(1, results, 100, i) }
    deadline = Time.now + 60
    done = 0
    while Time.now < deadline
      done = Sidekiq.redis { |r| r.llen(results) }
      break if done >= 13
      sleep 0.2
    end
    sums = Sidekiq.redis { |r| r.lrange(results, 0, -1) }.map(&:to_i).sort
    expected = ((0...10).map { |i| 2 * i } + [100, 101, 102]).sort
    abort "sidekiq: ran #{sums.inspect}, expected #{expected.inspect}" unless sums == expected
    Sidekiq.redis { |r| r.del(results) }
    puts 'ok sidekiq'
  ensure
    Process.kill('TERM', worker)
    Process.wait(worker)
  end
end
