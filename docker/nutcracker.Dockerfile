# twemproxy from Debian's package, for docker/compose.scaleout.yaml. Its
# configuration is mounted from docker/nutcracker.yml.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nutcracker \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
USER nobody
EXPOSE 6379 22222
ENTRYPOINT ["nutcracker", "--output=/dev/stderr", "--pid-file=/tmp/nutcracker.pid"]
CMD ["--conf-file=/etc/nutcracker/nutcracker.yml"]
