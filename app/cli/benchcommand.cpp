// SPDX-License-Identifier: MIT
#include "benchcommand.h"

#include "benchgroup.h"
#include "check/checksession.h"
#include "cliconnection.h"
#include "gap/detectorbenchmark.h"
#include "publishcommand.h"
#include "sandbox/sandbox.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTextStream>
#include <QThread>
#include <sys/resource.h>

namespace dualscope::cli {

namespace {

int benchPublish(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Publishes --count events (default 100000) as fast as the peers take them and prints "
        "throughput, ack latency percentiles and peak resident memory. Without --kafka/--redis "
        "(or DUALSCOPE_KAFKA/DUALSCOPE_REDIS) it starts an embedded sandbox. For the comparison "
        "with kcat and redis-benchmark, run bench/publish-vs-reference.sh."));
    addConnectionOptions(parser);
    addPublishOptions(parser);
    parser.addPositionalArgument(QStringLiteral("publish"), QStringLiteral("What to measure."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;

    PublishRequest request;
    request.run.count = 100'000;
    request.run.batch = 1000;
    request.benchFigures = true;
    QString error;
    if (!readPublishOptions(parser, &request, &error)) {
        printError(error);
        return ExitError;
    }
    const bool connectionGiven =
        parser.isSet(QStringLiteral("kafka")) || !qEnvironmentVariableIsEmpty("DUALSCOPE_KAFKA");
    sandbox::Sandbox sandbox;
    if (!connectionGiven) {
        if (!sandbox.start(&error)) {
            printError(QStringLiteral("cannot start the sandbox: ") + error);
            return ExitError;
        }
        qputenv("DUALSCOPE_KAFKA", sandbox.kafkaBootstrap());
        qputenv("DUALSCOPE_REDIS", sandbox.redisUrl().toUtf8());
        QTextStream(stderr) << "bench: " << sandbox.description() << Qt::endl;
    }
    if (!resolveConnection(parser, &request.connection, &error)) {
        printError(error);
        return ExitError;
    }
    return executePublish(request);
}

double peakRssMegabytes()
{
    struct rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage); // this process only: the check, not its children
    return usage.ru_maxrss / 1024.0;
}

// A `dualscope-cli sandbox` child, so that its memory and CPU are not counted as
// the check's.
class SandboxChild
{
public:
    bool start(QString *error, int partitions = 6)
    {
        m_process.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("sandbox"), QStringLiteral("--partitions"),
                         QString::number(partitions)});
        QByteArray out;
        const QDeadlineTimer deadline(20'000);
        while (!deadline.hasExpired() && !out.contains("READY\n")) {
            m_process.waitForReadyRead(100);
            out += m_process.readAllStandardOutput();
            if (m_process.state() == QProcess::NotRunning)
                break;
        }
        for (const QByteArray &line : out.split('\n')) {
            if (line.startsWith("KAFKA_BOOTSTRAP="))
                kafka = line.mid(16);
            else if (line.startsWith("REDIS_URL="))
                redis = line.mid(10);
        }
        if (kafka.isEmpty() || redis.isEmpty()) {
            *error = QStringLiteral("the sandbox did not start: ") +
                     QString::fromUtf8(m_process.readAllStandardError());
            return false;
        }
        return true;
    }
    ~SandboxChild()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
    }
    QByteArray kafka;
    QByteArray redis;

private:
    QProcess m_process;
};

int benchGroup(const QCommandLineParser &parser)
{
    GroupBenchOptions options;
    qint64 instances = 0, count = options.count, partitions = options.partitions;
    QString error;
    const auto given = [&](const char *name) { return parser.isSet(QLatin1String(name)); };
    if (!readCount(parser, QStringLiteral("instances"), 2, &instances, &error) ||
        (given("count") && !readCount(parser, QStringLiteral("count"), 1, &count, &error)) ||
        (given("partitions") &&
         !readCount(parser, QStringLiteral("partitions"), 1, &partitions, &error)) ||
        (given("rate") && !readNumber(parser, QStringLiteral("rate"), 0, &options.rate, &error))) {
        printError(error);
        return ExitError;
    }
    if (given("kafka") || given("redis") || given("topic")) {
        // Its group and its counts are only exact on traffic it alone makes.
        printError(QStringLiteral("bench check --instances runs in its own sandbox: --kafka, "
                                  "--redis and --topic do not apply"));
        return ExitError;
    }
    if (instances > 64 || instances > partitions) {
        printError(QStringLiteral("--instances %1: at most one member per partition (%2) and "
                                  "at most 64")
                       .arg(instances)
                       .arg(partitions));
        return ExitError;
    }
    options.instances = int(instances);
    options.count = count;
    options.partitions = int(partitions);
    SandboxChild sandbox;
    if (!sandbox.start(&error, options.partitions)) {
        printError(error);
        return ExitError;
    }
    qputenv("DUALSCOPE_KAFKA", sandbox.kafka);
    qputenv("DUALSCOPE_REDIS", sandbox.redis);
    if (!resolveConnection(parser, &options.connection, &error)) {
        printError(error);
        return ExitError;
    }
    QTextStream out(stdout);
    return runGroupBench(options, out);
}

int benchCheck(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Measures the checker. First the gap detector alone on one core (synthetic matched "
        "traffic, observations per second). Then the whole check: a CheckSession in this "
        "process watches while a `dualscope-cli publish` child sends --count events at --rate "
        "over 50 sources into a sandbox child (or --kafka/--redis); prints whether it kept up "
        "with no false gaps and this process's peak resident memory. Exit 0 when it kept up "
        "(every event matched) with no false gap, 1 otherwise; the last line says which."));
    addConnectionOptions(parser);
    parser.addOption({QStringLiteral("count"),
                      QStringLiteral("Events of dual traffic (default 1000000)."),
                      QStringLiteral("N"), QStringLiteral("1000000")});
    parser.addOption({QStringLiteral("rate"),
                      QStringLiteral("Events per second (default 100000; 0: as fast as the "
                                     "publisher can)."),
                      QStringLiteral("R"), QStringLiteral("100000")});
    parser.addOption({QStringLiteral("detector-events"),
                      QStringLiteral("Events for the detector-alone run (default 2000000)."),
                      QStringLiteral("N"), QStringLiteral("2000000")});
    parser.addOption(
        {QStringLiteral("detector-only"), QStringLiteral("Measure the detector alone and stop.")});
    parser.addOption({QStringLiteral("partitions"),
                      QStringLiteral("Partitions of the sandbox's topic (default 24: the mock "
                                     "keeps about 5 MB of each, so at full speed more partitions "
                                     "keep more seconds of history for the tail)."),
                      QStringLiteral("N"), QStringLiteral("24")});
    parser.addOption(
        {QStringLiteral("instances"),
         QStringLiteral("Simulate a group instead: N `check --group` children and one plain "
                        "`check` child watch the same traffic in a sandbox; prints each "
                        "member's CPU time per event and whether their merged counts equal "
                        "the plain checker's. Defaults then: --count 200000 --rate 20000 "
                        "--partitions 12."),
         QStringLiteral("N")});
    parser.addPositionalArgument(QStringLiteral("check"), QStringLiteral("What to measure."));
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;
    if (parser.isSet(QStringLiteral("instances")))
        return benchGroup(parser);
    // The defaults the help states (readCount/readNumber leave an option not given as
    // it is).
    qint64 count = 1'000'000, detectorEvents = 2'000'000, partitions = 24;
    double rate = 100'000;
    QString error;
    if (!readCount(parser, QStringLiteral("partitions"), 1, &partitions, &error) ||
        !readCount(parser, QStringLiteral("count"), 1, &count, &error) ||
        !readCount(parser, QStringLiteral("detector-events"), 1, &detectorEvents, &error) ||
        !readNumber(parser, QStringLiteral("rate"), 0, &rate, &error)) {
        printError(error);
        return ExitError;
    }
    QTextStream out(stdout);
    // The detector alone runs last, so that its synthetic inputs do not count in the
    // check's peak memory.
    auto measureDetector = [&] {
        const gap::DetectorBenchResult detector = gap::runDetectorBenchmark(detectorEvents);
        out << "detector alone: " << detector.observations << " observations in "
            << QString::number(detector.seconds, 'f', 2)
            << " s = " << QString::number(detector.observationsPerSecond / 1e6, 'f', 2)
            << " M observations/s ("
            << QString::number(detector.observationsPerCpuSecond / 1e6, 'f', 2)
            << " M per CPU second; target >= 1.0), peak pending " << detector.peakPending
            << Qt::endl;
    };
    if (parser.isSet(QStringLiteral("detector-only"))) {
        measureDetector();
        return ExitOk;
    }

    SandboxChild sandbox;
    const bool connectionGiven =
        parser.isSet(QStringLiteral("kafka")) || !qEnvironmentVariableIsEmpty("DUALSCOPE_KAFKA");
    if (!connectionGiven) {
        if (!sandbox.start(&error, int(partitions))) {
            printError(error);
            return ExitError;
        }
        qputenv("DUALSCOPE_KAFKA", sandbox.kafka);
        qputenv("DUALSCOPE_REDIS", sandbox.redis);
    }
    Connection connection;
    if (!resolveConnection(parser, &connection, &error)) {
        printError(error);
        return ExitError;
    }

    check::CheckConfig config;
    config.kafkaBootstrap = connection.kafkaBootstrap;
    config.kafkaProperties = connection.kafkaProperties;
    config.topic = connection.topic;
    config.redisUrl = connection.redisUrl;
    QThread worker;
    worker.setObjectName(QStringLiteral("check"));
    auto *session = new check::CheckSession(config);
    session->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, session, &QObject::deleteLater);
    QCoreApplication *app = QCoreApplication::instance();
    QProcess publisher;
    QElapsedTimer clock;
    check::CheckResult result;
    bool finished = false;
    QObject::connect(session, &check::CheckSession::failed, app, [&](const QString &why) {
        printError(why);
        app->exit(ExitError);
    });
    QObject::connect(session, &check::CheckSession::ready, app, [&] {
        clock.start();
        publisher.setProcessEnvironment(childEnvironment(connection));
        QStringList publish{QStringLiteral("publish"),
                            QStringLiteral("--topic"),
                            QString::fromUtf8(connection.topic),
                            QStringLiteral("--count"),
                            QString::number(count),
                            QStringLiteral("--batch"),
                            QStringLiteral("1000"),
                            QStringLiteral("--sources"),
                            QStringLiteral("50"),
                            QStringLiteral("--json")};
        if (rate > 0)
            publish << QStringLiteral("--rate") << QString::number(rate)
                    << QStringLiteral("--burst") << QString::number(std::max(1000.0, rate / 10));
        publisher.start(QCoreApplication::applicationFilePath(), publish);
    });
    qint64 publishedAtMs = -1;
    QObject::connect(&publisher, &QProcess::finished, app,
                     [&] { publishedAtMs = clock.elapsed(); });
    QObject::connect(&publisher, &QProcess::finished, session, [session] { session->stop(); });
    QObject::connect(session, &check::CheckSession::finished, app,
                     [&](const check::CheckResult &checkResult) {
                         result = checkResult;
                         finished = true;
                         app->exit(ExitOk);
                     });
    worker.start();
    QMetaObject::invokeMethod(session, &check::CheckSession::start);
    const int loopResult = app->exec();
    worker.quit();
    worker.wait();
    if (loopResult != ExitOk || !finished)
        return ExitError;

    const QJsonObject published =
        QJsonDocument::fromJson(publisher.readAllStandardOutput()).object();
    const double publishedRate = published.value(QLatin1String("events_per_s")).toDouble();
    const qint64 acked = published.value(QLatin1String("kafka_acked")).toInteger();
    const gap::GapCounts &c = result.counts;
    const double checkedSeconds = clock.elapsed() / 1000.0;
    out << "whole check: " << acked << " events published at "
        << QString::number(publishedRate, 'f', 0) << "/s (asked "
        << (rate > 0 ? QString::number(rate, 'f', 0) + QStringLiteral("/s")
                     : QStringLiteral("unlimited"))
        << "); matched " << c.matched << " ("
        << QString::number(c.matched / std::max(0.001, checkedSeconds), 'f', 0)
        << " checked/s, the window included), gaps " << c.gapTotal() << " (missing " << c.missing
        << ", orphan " << c.orphan << ", late " << c.late << ", unobserved " << c.unobserved
        << "); latency p50 " << result.latency.percentile(50) / 1000.0 << " ms, p99 "
        << result.latency.percentile(99) / 1000.0 << " ms; publisher done "
        << QString::number(publishedAtMs / 1000.0, 'f', 1) << " s, check done "
        << QString::number(checkedSeconds, 'f', 1) << " s after start" << Qt::endl;
    const gap::LatencySummary &lag = result.window.checkerLagMs;
    out << "checker lag (its own): redis p50 " << lag.p50 << " ms, p99 " << lag.p99 << " ms, max "
        << lag.max << " ms (target p99 < 250 ms); kafka tail p99 "
        << result.window.kafkaTailLagMs.p99 << " ms, max " << result.window.kafkaTailLagMs.max
        << " ms; redis outages " << result.window.outages.size() << Qt::endl;
    out << "not judged (the checker could not see them; never gaps): outside the window "
        << c.outsideWindowRecords << " records / " << c.outsideWindowNotifications
        << " notifications, unjudged notifications " << c.unjudgedNotifications
        << ", Kafka offset ranges the tail could not read " << result.window.kafkaSkipped.size()
        << Qt::endl;
    out << "peak resident memory of the check process: "
        << QString::number(peakRssMegabytes(), 'f', 1) << " MB (target < 250 MB)" << Qt::endl;
    const bool clean = c.gapTotal() == 0 && c.matched == acked && acked == count;
    // Nothing was staged, so every gap but `unobserved` is a false one. The others
    // (unobserved, not judged) mean the checker did not keep up: said as such, not
    // as false gaps.
    const qint64 falseGaps = c.gapTotal() - c.unobserved;
    if (clean) {
        out << "kept up with no false gaps" << Qt::endl;
    } else if (falseGaps > 0) {
        out << "FALSE GAPS: " << falseGaps << " (nothing was staged)" << Qt::endl;
    } else {
        out << "no false gaps, but not kept up: " << c.matched << " of " << acked
            << " acknowledged events matched, " << c.unobserved
            << " unobserved, the rest not judged (the line above says why)";
        if (acked != count)
            out << "; the publisher had " << acked << " of " << count << " acknowledged";
        out << Qt::endl;
    }
    measureDetector();
    return clean ? ExitOk : ExitGaps;
}

} // namespace

int runBenchCommand(const QStringList &arguments)
{
    // arguments[0] is "bench"; the next word says what to measure.
    const QString what = arguments.size() > 1 ? arguments.at(1) : QString();
    if (what == QLatin1String("publish"))
        return benchPublish(arguments.mid(1));
    if (what == QLatin1String("check"))
        return benchCheck(arguments.mid(1));
    if (what == QLatin1String("--help") || what == QLatin1String("-h") || what.isEmpty()) {
        QTextStream(what.isEmpty() ? stderr : stdout)
            << "usage: dualscope-cli bench publish|check [options]   (see bench publish --help)\n";
        return what.isEmpty() ? ExitError : ExitOk;
    }
    printError(QStringLiteral("bench measures 'publish' or 'check'; '%1' is not known").arg(what));
    return ExitError;
}

} // namespace dualscope::cli
