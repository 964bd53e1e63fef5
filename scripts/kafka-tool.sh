#!/usr/bin/env bash
# Runs one of Kafka's command-line classes with the jars scripts/dev-up.sh downloaded.
# Usage: scripts/kafka-tool.sh topics --list             (org.apache.kafka.tools.TopicCommand)
#        scripts/kafka-tool.sh groups --list             (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)
#        scripts/kafka-tool.sh org.apache.kafka.tools.GetOffsetShell --topic t
# With the topics/groups shorthands, --bootstrap-server 127.0.0.1:$KAFKA_PORT is added unless given.
set -euo pipefail
# shellcheck source=dev-lib.sh source-path=SCRIPTDIR
source "$(dirname "$0")/dev-lib.sh"
[ -d "$KAFKA_LIBS" ] || { fail "no Kafka jars in $KAFKA_LIBS: run scripts/dev-up.sh kafka first"; exit 1; }
[ $# -gt 0 ] || { sed -n '2,6p' "$0"; exit 2; }
cls="$1"; shift
case "$cls" in
  topics|groups)
    [ "$cls" = topics ] && cls=org.apache.kafka.tools.TopicCommand \
      || cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
    case " $* " in *" --bootstrap-server "*) ;; *) set -- --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" "$@" ;; esac ;;
esac
exec java -Xmx256m -XX:TieredStopAtLevel=1 \
  -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" \
  -cp "$KAFKA_LIBS/*" "$cls" "$@"
