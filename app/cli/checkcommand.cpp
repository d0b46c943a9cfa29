// SPDX-License-Identifier: MIT
#include "checkcommand.h"

#include "check/checkmetrics.h"
#include "check/checksession.h"
#include "cliconnection.h"
#include "event/event.h"
#include "io/userfile.h"
#include "mappingoptions.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QSysInfo>
#include <QTextStream>
#include <QThread>
#include <algorithm>
#include <unistd.h>

namespace dualscope::cli {

namespace {

// --from: end, beginning, an ISO 8601 time, or milliseconds since the epoch.
bool readFrom(const QString &text, check::CheckConfig *config, QString *error)
{
    if (text.isEmpty() || text == QLatin1String("end")) {
        config->from = check::CheckConfig::From::End;
        return true;
    }
    if (text == QLatin1String("beginning")) {
        config->from = check::CheckConfig::From::Beginning;
        return true;
    }
    qint64 ms = 0;
    bool isNumber = false;
    const qint64 number = text.toLongLong(&isNumber);
    if (isNumber && number < 0) {
        *error = QStringLiteral("--from takes a time at or after the epoch, got '%1'").arg(text);
        return false;
    }
    if (isNumber)
        ms = number;
    else if (!event::parseTimestamp(text.toUtf8(), &ms)) {
        *error = QStringLiteral("--from takes end, beginning, an ISO 8601 time "
                                "(2026-11-27T15:04:05Z) or epoch milliseconds, got '%1'")
                     .arg(text);
        return false;
    }
    config->from = check::CheckConfig::From::Timestamp;
    config->fromTimestampMs = ms;
    return true;
}

// The JSON and JUnit reports, each written whole and then renamed into place.
bool writeReports(const check::CheckResult &result, const QString &reportPath,
                  const QString &junitPath, QString *error)
{
    return (reportPath.isEmpty() ||
            io::writeUserFile(
                reportPath,
                gap::writeJsonReport(result.counts, result.latency, result.window, result.gaps),
                error)) &&
           (junitPath.isEmpty() ||
            io::writeUserFile(junitPath,
                              gap::writeJUnitReport(result.counts, result.gaps,
                                                    QStringLiteral("dualscope check")),
                              error));
}

// --group, --partitioner, --instance.
bool readGroupOptions(const QCommandLineParser &parser, check::CheckConfig *config, QString *error)
{
    config->group = parser.value(QStringLiteral("group"));
    if (parser.isSet(QStringLiteral("group"))) {
        const bool printable = std::all_of(config->group.cbegin(), config->group.cend(),
                                           [](QChar c) { return c.isPrint() && !c.isSpace(); });
        if (config->group.isEmpty() || config->group.size() > 249 || !printable) {
            *error = QStringLiteral("--group needs a name of 1 to 249 printable characters "
                                    "without spaces");
            return false;
        }
        if (!config->detector.channelTemplate.hasSourceId()) {
            *error = QStringLiteral("--group tells notifications apart by the source id in "
                                    "their channel: the channel template %1 has no {source_id}")
                         .arg(config->detector.channelTemplate.text());
            return false;
        }
    } else if (parser.isSet(QStringLiteral("partitioner"))) {
        *error = QStringLiteral("--partitioner only matters with --group");
        return false;
    }
    const std::optional<kafka::KeyPartitioner> partitioner =
        kafka::parseKeyPartitioner(parser.value(QStringLiteral("partitioner")), error);
    if (!partitioner)
        return false;
    config->partitioner = *partitioner;
    config->instance =
        parser.isSet(QStringLiteral("instance"))
            ? parser.value(QStringLiteral("instance"))
            : QStringLiteral("%1-%2").arg(QSysInfo::machineHostName()).arg(::getpid());
    return true;
}

void printSummary(const check::CheckResult &result)
{
    const gap::GapCounts &c = result.counts;
    QTextStream out(stdout);
    out << "kafka records " << c.kafkaRecords << ", redis notifications " << c.redisNotifications
        << "; matched " << c.matched << ", missing " << c.missing << ", orphan " << c.orphan
        << ", wrong_channel " << c.wrongChannel << ", duplicate " << c.duplicate << ", late "
        << c.late << ", oversized " << c.oversized << ", unparseable " << c.unparseable
        << ", unobserved " << c.unobserved << Qt::endl;
    if (c.keySpread > 0 || c.reordered > 0)
        out << "order (informational): key_spread " << c.keySpread << ", reordered " << c.reordered
            << Qt::endl;
    out << "latency p50 " << result.latency.percentile(50) / 1000.0 << " ms, p99 "
        << result.latency.percentile(99) / 1000.0 << " ms, max " << result.latency.max() / 1000.0
        << " ms" << Qt::endl;
    const gap::LatencySummary &lag = result.window.checkerLagMs;
    out << "checker lag (its own, not the system's) p50 " << lag.p50 << " ms, p99 " << lag.p99
        << " ms, max " << lag.max << " ms; kafka tail lag max " << result.window.kafkaTailLagMs.max
        << " ms" << Qt::endl;
    if (c.revised > 0)
        out << "verdicts revised by late notifications: " << c.revised << Qt::endl;
    if (c.outsideWindowRecords > 0 || c.outsideWindowNotifications > 0)
        out << "outside the window (not judged): " << c.outsideWindowRecords << " records, "
            << c.outsideWindowNotifications << " notifications" << Qt::endl;
    if (c.unjudgedNotifications > 0)
        out << "notifications not judged (the Kafka tail did not get far enough): "
            << c.unjudgedNotifications << Qt::endl;
    if (!result.window.outages.isEmpty())
        out << "redis subscription outages: " << result.window.outages.size() << Qt::endl;
    if (result.gapsNotListed > 0)
        out << "gaps not listed in the report (over the limit): " << result.gapsNotListed
            << Qt::endl;
    out << (c.gapTotal() == 0 ? "no gaps" : "gaps found") << Qt::endl;
}

} // namespace

int runCheckCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Reconciles the two streams: tails the Kafka topic, subscribes to the Redis patterns, "
        "matches by event id and reports matched, missing, orphan, wrong_channel, duplicate, "
        "late, oversized, unparseable and unobserved. Prints READY once subscribed and "
        "positioned. Exit 0: no gaps, 1: gaps, 2: error."));
    addConnectionOptions(parser);
    addPatternOption(parser);
    parser.addOption({QStringLiteral("duration"),
                      QStringLiteral("Watch for S seconds (0: until SIGINT/SIGTERM)."),
                      QStringLiteral("S")});
    parser.addOption({QStringLiteral("report-every"),
                      QStringLiteral("Write the report so far every S seconds, atomically (with "
                                     "--report; a long watch's rolling report)."),
                      QStringLiteral("S")});
    parser.addOption({QStringLiteral("metrics"),
                      QStringLiteral("Serve the Prometheus text exposition at "
                                     "http://HOST:PORT/metrics."),
                      QStringLiteral("HOST:PORT")});
    parser.addOption({QStringLiteral("until-idle"),
                      QStringLiteral("Stop once neither stream carried anything for S seconds."),
                      QStringLiteral("S")});
    parser.addOption({QStringLiteral("from"),
                      QStringLiteral("Where the Kafka tail starts: end (default), beginning, or "
                                     "a time (ISO 8601 or epoch ms)."),
                      QStringLiteral("WHERE"), QStringLiteral("end")});
    parser.addOption({QStringLiteral("grace-ms"),
                      QStringLiteral("How long a notification may take (default 2000)."),
                      QStringLiteral("MS"), QStringLiteral("2000")});
    parser.addOption({QStringLiteral("late-ms"),
                      QStringLiteral("Latency above which a match is late (default 1000)."),
                      QStringLiteral("MS"), QStringLiteral("1000")});
    parser.addOption({QStringLiteral("max-notification-bytes"),
                      QStringLiteral("Size above which a notification is oversized (default "
                                     "1024)."),
                      QStringLiteral("N"), QStringLiteral("1024")});
    parser.addOption(
        {QStringLiteral("channel-template"),
         QStringLiteral("Expected channel (default events:{source_type}:{source_id})."),
         QStringLiteral("TEMPLATE")});
    addMappingOptions(parser);
    parser.addOption({QStringLiteral("report"), QStringLiteral("Write the JSON report here."),
                      QStringLiteral("FILE.json")});
    parser.addOption({QStringLiteral("junit"), QStringLiteral("Write a JUnit report here."),
                      QStringLiteral("FILE.xml")});
    parser.addOption({QStringLiteral("group"),
                      QStringLiteral("Check as one member of this Kafka consumer group: the "
                                     "members split the partitions (merge their reports with "
                                     "'report merge')."),
                      QStringLiteral("NAME")});
    parser.addOption({QStringLiteral("partitioner"),
                      QStringLiteral("With --group: the producer's partitioner, to tell from a "
                                     "channel which partition its record is on: murmur2 "
                                     "(default, Java's and Dualscope's), consistent_random "
                                     "(librdkafka's default) or fnv1a."),
                      QStringLiteral("NAME"), QStringLiteral("murmur2")});
    parser.addOption({QStringLiteral("instance"),
                      QStringLiteral("This member's name in its report (default host-pid)."),
                      QStringLiteral("NAME")});
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;

    check::CheckConfig config;
    Connection connection;
    QString error;
    double duration = 0, untilIdle = 0, reportEvery = 0;
    qint64 grace = 2000, late = 1000, maxBytes = 1024;
    if (!resolveConnection(parser, &connection, &error) ||
        !readNumber(parser, QStringLiteral("duration"), 0, &duration, &error) ||
        !readNumber(parser, QStringLiteral("report-every"), 1, &reportEvery, &error) ||
        !readNumber(parser, QStringLiteral("until-idle"), 0.001, &untilIdle, &error) ||
        !readCount(parser, QStringLiteral("grace-ms"), 1, &grace, &error) ||
        !readCount(parser, QStringLiteral("late-ms"), 0, &late, &error) ||
        !readCount(parser, QStringLiteral("max-notification-bytes"), 1, &maxBytes, &error) ||
        !readFrom(parser.value(QStringLiteral("from")), &config, &error)) {
        printError(error);
        return ExitError;
    }
    config.kafkaBootstrap = connection.kafkaBootstrap;
    config.kafkaProperties = connection.kafkaProperties;
    config.topic = connection.topic;
    config.redisUrl = connection.redisUrl;
    config.patterns = patternsFrom(parser);
    config.durationMs = qint64(duration * 1000);
    config.snapshotEveryMs = qint64(reportEvery * 1000);
    config.untilIdleMs = qint64(untilIdle * 1000);
    config.detector.graceMs = grace;
    config.detector.lateMs = late;
    config.detector.maxNotificationBytes = maxBytes;
    if (!readChannelTemplate(parser, &config.detector.channelTemplate, &error)) {
        printError(error);
        return ExitError;
    }
    applyMappingOptions(parser, &config.detector.mapping);
    if (!readGroupOptions(parser, &config, &error)) {
        printError(error);
        return ExitError;
    }
    if (!gap::GapDetector::validate(config.detector, &error)) {
        printError(error);
        return ExitError;
    }
    const QString reportPath = parser.value(QStringLiteral("report"));
    const QString junitPath = parser.value(QStringLiteral("junit"));
    if (parser.isSet(QStringLiteral("report-every")) && reportPath.isEmpty()) {
        printError(QStringLiteral("--report-every writes the --report file: give --report FILE"));
        return ExitError;
    }
    std::unique_ptr<check::CheckMetrics> metrics;
    if (parser.isSet(QStringLiteral("metrics"))) {
        metrics = check::CheckMetrics::serve(parser.value(QStringLiteral("metrics")), &error);
        if (!metrics) {
            printError(error);
            return ExitError;
        }
    }
    // Found out now, not after a watch whose report would then be lost.
    for (const QString &path : {reportPath, junitPath}) {
        if (!path.isEmpty() && !io::checkWritable(path, &error)) {
            printError(error);
            return ExitError;
        }
    }

    QThread worker;
    worker.setObjectName(QStringLiteral("check"));
    auto *session = new check::CheckSession(config);
    session->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, session, &QObject::deleteLater);
    QCoreApplication *app = QCoreApplication::instance();
    QObject::connect(session, &check::CheckSession::ready, app,
                     [] { QTextStream(stdout) << "READY" << Qt::endl; });
    // On a terminal, a progress line once a second: counts and the checker's own lag;
    // the metrics move at the same pace.
    const bool progressOnTerminal = ::isatty(STDERR_FILENO);
    bool progressShown = false;
    QObject::connect(session, &check::CheckSession::status, app,
                     [&](const check::CheckStatus &status) {
                         if (metrics)
                             metrics->update(status.counts, status.latency,
                                             std::max<qint64>(status.redisLagMs, 0) / 1000.0,
                                             status.outages, status.partitions);
                         if (!progressOnTerminal)
                             return;
                         progressShown = true;
                         QTextStream(stderr) << "\rmatched " << status.counts.matched << ", gaps "
                                             << status.counts.gapTotal() << "; checker lag: redis "
                                             << status.redisLagMs << " ms, kafka "
                                             << status.kafkaLagMs << " ms   " << Qt::flush;
                     });
    QObject::connect(session, &check::CheckSession::snapshot, app,
                     [&](const check::CheckResult &result) {
                         QString writeError;
                         if (!writeReports(result, reportPath, junitPath, &writeError))
                             printError(QStringLiteral("warning: ") + writeError);
                     });
    QObject::connect(session, &check::CheckSession::partitionsChanged, app,
                     [&config](const QList<qint32> &owned) {
                         QStringList text;
                         for (const qint32 partition : owned)
                             text.append(QString::number(partition));
                         printError(QStringLiteral("group %1: this member owns partitions %2")
                                        .arg(config.group, text.isEmpty()
                                                               ? QStringLiteral("none")
                                                               : text.join(QLatin1Char(','))));
                     });
    QObject::connect(session, &check::CheckSession::warning, app, [](const QString &message) {
        printError(QStringLiteral("warning: ") + message);
    });
    QObject::connect(session, &check::CheckSession::failed, app, [app](const QString &why) {
        printError(why);
        app->exit(ExitError);
    });
    QObject::connect(session, &check::CheckSession::finished, app,
                     [&](const check::CheckResult &result) {
                         if (progressShown)
                             QTextStream(stderr) << "\n" << Qt::flush;
                         printSummary(result);
                         QString writeError;
                         if (!writeReports(result, reportPath, junitPath, &writeError)) {
                             printError(writeError);
                             app->exit(ExitError);
                             return;
                         }
                         app->exit(result.counts.gapTotal() == 0 ? ExitOk : ExitGaps);
                     });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, session,
                     [session](int) { session->stop(); });
    worker.start();
    QMetaObject::invokeMethod(session, &check::CheckSession::start);
    const int result = app->exec();
    worker.quit();
    worker.wait();
    return result;
}

} // namespace dualscope::cli
