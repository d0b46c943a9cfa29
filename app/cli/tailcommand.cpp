// SPDX-License-Identifier: MIT
#include "tailcommand.h"

#include "cliconnection.h"
#include "event/event.h"
#include "jsonlines.h"
#include "kafka/kafkatail.h"
#include "redis/redismonitor.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QThread>
#include <cstdio>

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

} // namespace

int runTailCommand(const QStringList &arguments)
{
    const QString what = arguments.size() > 1 ? arguments.at(1) : QString();
    if (what == QLatin1String("redis"))
        return tailRedis(arguments.mid(1));
    if (what == QLatin1String("kafka"))
        return tailKafka(arguments.mid(1));
    if (what == QLatin1String("--help") || what == QLatin1String("-h")) {
        std::fputs("usage: dualscope-cli tail redis|kafka [options]   (see tail redis --help)\n",
                   stdout);
        return ExitOk;
    }
    printError(QStringLiteral("tail takes 'redis' or 'kafka'") +
               (what.isEmpty() ? QString() : QStringLiteral(", not '%1'").arg(what)));
    return ExitError;
}

} // namespace dualscope::cli
