// SPDX-License-Identifier: MIT
#include "tailcommand.h"

#include "check/catchup.h"
#include "cliconnection.h"
#include "event/event.h"
#include "jsonlines.h"
#include "kafka/browsertypes.h"
#include "kafka/kafkatail.h"
#include "mappingoptions.h"
#include "redis/redismonitor.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QThread>
#include <cstdio>
#include <limits>

namespace dualscope::cli {

namespace {

// Writes lines straight to stdout: tail output is consumed by pipes (jq), where
// each line must be whole and flushed promptly.
void writeLines(const QByteArray &lines)
{
    std::fwrite(lines.constData(), 1, size_t(lines.size()), stdout);
    std::fflush(stdout);
}

int tailRedis(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints every Redis Pub/Sub message on the patterns (default events:*) as one JSON "
        "object per line: {\"received\", \"channel\", \"pattern\", \"size\", \"payload\"}. The "
        "payload is embedded as JSON when it is JSON, else as a string. Runs until SIGINT/SIGTERM "
        "or --count messages."));
    addConnectionOptions(parser);
    addPatternOption(parser);
    parser.addOption({QStringLiteral("channel"),
                      QStringLiteral("Exact channel to subscribe to (repeatable)."),
                      QStringLiteral("CHANNEL")});
    parser.addOption(
        {QStringLiteral("count"), QStringLiteral("Stop after N messages."), QStringLiteral("N")});
    parser.addPositionalArgument(QStringLiteral("redis"), QStringLiteral("What to tail."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;
    Connection connection;
    QString error;
    qint64 count = 0;
    if (!resolveConnection(parser, &connection, &error, NeedRedis) ||
        !readCount(parser, QStringLiteral("count"), 1, &count, &error)) {
        printError(error);
        return ExitError;
    }
    QList<QByteArray> patterns = patternsFrom(parser);
    const QStringList channels = parser.values(QStringLiteral("channel"));
    for (const QString &channel : channels) {
        if (channel.isEmpty()) {
            printError(QStringLiteral("--channel takes a channel name, got an empty one"));
            return ExitError;
        }
    }
    if (!channels.isEmpty() && !parser.isSet(QStringLiteral("pattern")))
        patterns.clear(); // only the channels asked for
    for (const QByteArray &pattern : patterns) {
        if (!redis::validatePattern(pattern, &error)) {
            printError(error);
            return ExitError;
        }
    }

    redis::RedisMonitor::Options options;
    options.connection.url = connection.redisUrl;
    QThread worker;
    worker.setObjectName(QStringLiteral("redis-monitor"));
    auto *monitor = new redis::RedisMonitor(options);
    monitor->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, monitor, &QObject::deleteLater);
    QCoreApplication *app = QCoreApplication::instance();
    qint64 printed = 0;
    QObject::connect(monitor, &redis::RedisMonitor::messages, app,
                     [&](const QList<redis::PubSubMessage> &batch) {
                         QByteArray lines;
                         for (const redis::PubSubMessage &message : batch) {
                             if (count > 0 && printed >= count)
                                 break;
                             lines += "{\"received\":\"" +
                                      event::formatTimestamp(message.receivedMs) +
                                      "\",\"channel\":";
                             appendJsonString(lines, message.channel);
                             lines += ",\"pattern\":";
                             if (message.pattern.isEmpty())
                                 lines += "null";
                             else
                                 appendJsonString(lines, message.pattern);
                             lines += ",\"size\":" + QByteArray::number(message.payload.size()) +
                                      ",\"payload\":";
                             appendJsonValueOrString(lines, message.payload);
                             lines += "}\n";
                             ++printed;
                         }
                         writeLines(lines);
                         if (count > 0 && printed >= count)
                             app->exit(ExitOk);
                     });
    QObject::connect(monitor, &redis::RedisMonitor::startFailed, app, [app](const QString &why) {
        printError(why);
        app->exit(ExitError);
    });
    QObject::connect(monitor, &redis::RedisMonitor::outageStarted, app,
                     [](const redis::SubscriptionOutage &outage) {
                         printError(QStringLiteral("subscription lost: %1").arg(outage.cause));
                     });
    QObject::connect(
        monitor, &redis::RedisMonitor::outageEnded, app,
        [](const redis::SubscriptionOutage &) { printError(QStringLiteral("subscription back")); });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, app,
                     [app](int) { app->exit(ExitOk); });
    worker.start();
    QMetaObject::invokeMethod(monitor, [monitor, patterns, channels] {
        for (const QByteArray &pattern : patterns)
            monitor->subscribe(pattern, true);
        for (const QString &channel : channels)
            monitor->subscribe(channel.toUtf8(), false);
        monitor->start();
    });
    const int result = app->exec();
    QMetaObject::invokeMethod(monitor, &redis::RedisMonitor::stop, Qt::BlockingQueuedConnection);
    worker.quit();
    worker.wait();
    return result;
}

int tailKafka(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints Kafka records as one JSON object per line: {\"topic\", \"partition\", "
        "\"offset\", \"timestamp\", \"key\", \"headers\", \"value\"}. The value is embedded "
        "as JSON when it is JSON, else as a string. Starts at the end unless told otherwise; "
        "runs until SIGINT/SIGTERM or --count records."));
    addConnectionOptions(parser);
    parser.addOption({QStringLiteral("partition"),
                      QStringLiteral("Only this partition (default: all)."), QStringLiteral("P")});
    parser.addOption({QStringLiteral("offset"),
                      QStringLiteral("Start at this offset (needs --partition)."),
                      QStringLiteral("O")});
    parser.addOption({QStringLiteral("from-time"),
                      QStringLiteral("Start at the first record at or after this time (ISO 8601 "
                                     "or epoch ms)."),
                      QStringLiteral("TIME")});
    parser.addOption({QStringLiteral("from"), QStringLiteral("end (default) or beginning."),
                      QStringLiteral("WHERE"), QStringLiteral("end")});
    parser.addOption(
        {QStringLiteral("count"), QStringLiteral("Stop after N records."), QStringLiteral("N")});
    parser.addPositionalArgument(QStringLiteral("kafka"), QStringLiteral("What to tail."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;
    Connection connection;
    QString error;
    qint64 count = 0, partition = -1, offset = -1;
    if (!resolveConnection(parser, &connection, &error, NeedKafka) ||
        !readCount(parser, QStringLiteral("count"), 1, &count, &error) ||
        !readCount(parser, QStringLiteral("partition"), 0, &partition, &error) ||
        !readCount(parser, QStringLiteral("offset"), 0, &offset, &error)) {
        printError(error);
        return ExitError;
    }
    kafka::TailOptions options;
    options.topic = connection.topic;
    if (partition >= 0)
        options.partitions = {qint32(partition)};
    const QString from = parser.value(QStringLiteral("from"));
    const int starts = int(parser.isSet(QStringLiteral("from"))) +
                       int(parser.isSet(QStringLiteral("offset"))) +
                       int(parser.isSet(QStringLiteral("from-time")));
    if (starts > 1) {
        printError(QStringLiteral("--from, --offset and --from-time each say where to start: "
                                  "give one of them"));
        return ExitError;
    }
    if (from == QLatin1String("beginning")) {
        options.from = kafka::TailOptions::From::Beginning;
    } else if (from != QLatin1String("end")) {
        printError(QStringLiteral("--from takes end or beginning, got '%1'").arg(from));
        return ExitError;
    }
    if (parser.isSet(QStringLiteral("offset"))) {
        if (partition < 0) {
            printError(QStringLiteral("--offset needs --partition"));
            return ExitError;
        }
        options.from = kafka::TailOptions::From::Offsets;
        options.offsets.insert(qint32(partition), offset);
    }
    if (parser.isSet(QStringLiteral("from-time"))) {
        const QString text = parser.value(QStringLiteral("from-time"));
        bool isNumber = false;
        options.timestampMs = text.toLongLong(&isNumber);
        if ((isNumber && options.timestampMs < 0) ||
            (!isNumber && !event::parseTimestamp(text.toUtf8(), &options.timestampMs))) {
            printError(QStringLiteral("--from-time takes an ISO 8601 time or epoch ms, got '%1'")
                           .arg(text));
            return ExitError;
        }
        options.from = kafka::TailOptions::From::Timestamp;
    }

    QThread worker;
    worker.setObjectName(QStringLiteral("kafka-tail"));
    auto *tail =
        new kafka::KafkaTail(connection.kafkaBootstrap, connection.kafkaProperties, options);
    tail->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, tail, &QObject::deleteLater);
    QCoreApplication *app = QCoreApplication::instance();
    qint64 printed = 0;
    QObject::connect(
        tail, &kafka::KafkaTail::records, app, [&](const QList<kafka::KafkaRecord> &batch) {
            QByteArray lines;
            for (const kafka::KafkaRecord &record : batch) {
                if (count > 0 && printed >= count)
                    break;
                lines += "{\"topic\":";
                appendJsonString(lines, record.topic);
                lines += ",\"partition\":" + QByteArray::number(record.partition) +
                         ",\"offset\":" + QByteArray::number(record.offset) + ",\"timestamp\":";
                if (record.timestampMs >= 0)
                    lines += '"' + event::formatTimestamp(record.timestampMs) + '"';
                else
                    lines += "null";
                lines += ",\"key\":";
                if (record.keyIsNull)
                    lines += "null";
                else
                    appendJsonString(lines, record.key);
                lines += ",\"headers\":{";
                for (qsizetype h = 0; h < record.headers.size(); ++h) {
                    if (h > 0)
                        lines += ',';
                    appendJsonString(lines, record.headers[h].first);
                    lines += ':';
                    appendJsonString(lines, record.headers[h].second);
                }
                lines += "},\"value\":";
                if (record.valueIsNull)
                    lines += "null";
                else
                    appendJsonValueOrString(lines, record.value);
                lines += "}\n";
                ++printed;
            }
            writeLines(lines);
            if (count > 0 && printed >= count)
                app->exit(ExitOk);
        });
    bool positioned = false;
    QObject::connect(tail, &kafka::KafkaTail::positioned, app,
                     [&positioned] { positioned = true; });
    QObject::connect(tail, &kafka::KafkaTail::errorOccurred, app, [&](const QString &why) {
        printError(why);
        if (!positioned)
            app->exit(ExitError);
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, app,
                     [app](int) { app->exit(ExitOk); });
    worker.start();
    QMetaObject::invokeMethod(tail, &kafka::KafkaTail::start);
    const int result = app->exec();
    QMetaObject::invokeMethod(tail, &kafka::KafkaTail::stop, Qt::BlockingQueuedConnection);
    worker.quit();
    worker.wait();
    return result;
}

// docs/design.md's "client connects mid-stream", as a viewer would live it: the
// last --recent events of the topic from Kafka, then the live notifications,
// each event once (de-duplicated by id); with --follow-kafka, records whose
// notification never came are shown too, from Kafka.
int tailEvents(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Prints the events of both streams as one viewer sees them, one JSON object per line: "
        "{\"source\" (kafka or redis), \"id\", \"type\", \"source_id\", \"channel\", "
        "\"time\", \"partition\", \"offset\", \"payload\"}. Subscribes to Redis first, then "
        "prints the last --recent events of the topic from Kafka (the notifications that came "
        "meanwhile wait), then the live notifications, each id once. A line "
        "{\"live\":true,...} with the counts marks the end of the recent events. Runs until "
        "SIGINT/SIGTERM or --count live events."));
    addConnectionOptions(parser);
    addPatternOption(parser);
    addMappingOptions(parser);
    parser.addOption({QStringLiteral("recent"),
                      QStringLiteral("How many of the topic's newest events to print first "
                                     "(default 100, at most %1).")
                          .arg(kafka::kMaxPageCount),
                      QStringLiteral("N"), QStringLiteral("100")});
    parser.addOption(
        {QStringLiteral("channel-template"),
         QStringLiteral("Where a Kafka event's notification is expected, shown as its channel "
                        "(default events:{source_type}:{source_id})."),
         QStringLiteral("TEMPLATE")});
    parser.addOption({QStringLiteral("follow-kafka"),
                      QStringLiteral("Also tail Kafka from the end of the recent events: an event "
                                     "whose notification was lost still shows, from Kafka.")});
    parser.addOption({QStringLiteral("count"), QStringLiteral("Stop after N live events."),
                      QStringLiteral("N")});
    parser.addPositionalArgument(QStringLiteral("events"), QStringLiteral("What to tail."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;
    Connection connection;
    QString error;
    qint64 count = 0, recent = 100;
    if (!resolveConnection(parser, &connection, &error, NeedBoth) ||
        !readCount(parser, QStringLiteral("count"), 1, &count, &error) ||
        !readCount(parser, QStringLiteral("recent"), 0, &recent, &error)) {
        printError(error);
        return ExitError;
    }
    check::CatchUpConfig config;
    config.kafkaBootstrap = connection.kafkaBootstrap;
    config.kafkaProperties = connection.kafkaProperties;
    config.topic = connection.topic;
    config.redisUrl = connection.redisUrl;
    config.patterns = patternsFrom(parser);
    applyMappingOptions(parser, &config.mapping);
    config.recentCount = int(std::min<qint64>(recent, std::numeric_limits<int>::max()));
    config.followKafka = parser.isSet(QStringLiteral("follow-kafka"));
    if (!readChannelTemplate(parser, &config.channelTemplate, &error)) {
        printError(error);
        return ExitError;
    }
    if (!check::CatchUpConfig::validate(config, &error)) {
        printError(error);
        return ExitError;
    }

    QCoreApplication *app = QCoreApplication::instance();
    check::CatchUpFeed feed(config);
    qint64 printed = 0;
    const auto lineOf = [](const check::FeedItem &item) {
        QByteArray line = item.source == check::FeedItem::Kafka ? "{\"source\":\"kafka\",\"id\":"
                                                                : "{\"source\":\"redis\",\"id\":";
        appendJsonString(line, item.id);
        line += ",\"type\":";
        appendJsonString(line, item.type);
        line += ",\"source_id\":";
        appendJsonString(line, item.sourceId);
        line += ",\"channel\":";
        if (item.channel.isEmpty())
            line += "null";
        else
            appendJsonString(line, item.channel);
        line += ",\"time\":\"" + event::formatTimestamp(item.timestampMs) + "\",\"partition\":";
        line += item.partition >= 0 ? QByteArray::number(item.partition) : QByteArray("null");
        line += ",\"offset\":";
        line += item.offset >= 0 ? QByteArray::number(item.offset) : QByteArray("null");
        line += ",\"payload\":";
        appendJsonValueOrString(line, item.raw);
        line += "}\n";
        return line;
    };
    QObject::connect(
        &feed, &check::CatchUpFeed::recentEvents, app, [&](const QList<check::FeedItem> &items) {
            QByteArray lines;
            for (const check::FeedItem &item : items)
                lines += lineOf(item);
            const check::CatchUpCounters counters = feed.counters();
            lines += "{\"live\":true,\"recent\":" + QByteArray::number(counters.loaded) +
                     ",\"unparseable\":" + QByteArray::number(counters.unparseable) + "}\n";
            writeLines(lines);
        });
    QObject::connect(&feed, &check::CatchUpFeed::live, app,
                     [&](const QList<check::FeedItem> &items) {
                         QByteArray lines;
                         for (const check::FeedItem &item : items) {
                             if (count > 0 && printed >= count)
                                 break;
                             lines += lineOf(item);
                             ++printed;
                         }
                         writeLines(lines);
                         if (count > 0 && printed >= count)
                             app->exit(ExitOk);
                     });
    QObject::connect(&feed, &check::CatchUpFeed::failed, app, [app](const QString &why) {
        printError(why);
        app->exit(ExitError);
    });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, app,
                     [app](int) { app->exit(ExitOk); });
    feed.start();
    const int result = app->exec();
    const check::CatchUpCounters counters = feed.counters();
    feed.stop();
    printError(QStringLiteral("%1 recent, %2 live (%3 from Kafka), %4 duplicates dropped, %5 "
                              "unparseable, %6 not kept while loading")
                   .arg(counters.loaded)
                   .arg(counters.liveDelivered)
                   .arg(counters.liveFromKafka)
                   .arg(counters.duplicatesDropped)
                   .arg(counters.unparseable)
                   .arg(counters.bufferOverflow));
    return result;
}

} // namespace

int runTailCommand(const QStringList &arguments)
{
    const QString what = arguments.size() > 1 ? arguments.at(1) : QString();
    if (what == QLatin1String("redis"))
        return tailRedis(arguments.mid(1));
    if (what == QLatin1String("kafka"))
        return tailKafka(arguments.mid(1));
    if (what == QLatin1String("events"))
        return tailEvents(arguments.mid(1));
    if (what == QLatin1String("--help") || what == QLatin1String("-h")) {
        std::fputs(
            "usage: dualscope-cli tail redis|kafka|events [options]   (see tail redis --help)\n",
            stdout);
        return ExitOk;
    }
    printError(QStringLiteral("tail takes 'redis', 'kafka' or 'events'") +
               (what.isEmpty() ? QString() : QStringLiteral(", not '%1'").arg(what)));
    return ExitError;
}

} // namespace dualscope::cli
