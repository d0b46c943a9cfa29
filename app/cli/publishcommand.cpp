// SPDX-License-Identifier: MIT
#include "publishcommand.h"

#include "event/channeltemplate.h"
#include "generate/eventtemplate.h"
#include "io/userfile.h"
#include "mappingoptions.h"
#include "publish/dualpublisher.h"
#include "publish/failuretally.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTextStream>
#include <QThread>
#include <QTimer>
#include <sys/resource.h>
#include <unistd.h>

namespace dualscope::cli {

namespace {

// A progress line appears only for runs that last longer than this, and only
// on a terminal, so that scripts and short runs see the summary alone.
constexpr int kProgressAfterMs = 1000;
// Time given to in-flight events at the end (and after Ctrl+C) before what is
// left is reported as not delivered.
constexpr int kShutdownTimeoutMs = 30'000;

double peakRssMegabytes()
{
    struct rusage usage = {};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux reports KiB
}

QString ms(qint64 micros)
{
    return QString::number(micros / 1000.0, 'f', 2);
}

QJsonObject latencyJson(const publish::LatencySummary &latency)
{
    return QJsonObject{{QStringLiteral("count"), latency.count},
                       {QStringLiteral("p50_ms"), latency.p50Us / 1000.0},
                       {QStringLiteral("p90_ms"), latency.p90Us / 1000.0},
                       {QStringLiteral("p99_ms"), latency.p99Us / 1000.0},
                       {QStringLiteral("max_ms"), latency.maxUs / 1000.0}};
}

QJsonArray failureReasonsJson(const QList<publish::KafkaFailureReason> &reasons)
{
    QJsonArray array;
    for (const publish::KafkaFailureReason &reason : reasons)
        array.append(QJsonObject{{QStringLiteral("code"), reason.code},
                                 {QStringLiteral("text"), reason.text},
                                 {QStringLiteral("count"), reason.count},
                                 {QStringLiteral("possibly_persisted"), reason.possiblyPersisted},
                                 {QStringLiteral("example"), reason.example}});
    return array;
}

// {"seed": S, "missing": ["id", ...], ...}: what a check must find, id by id.
QJsonObject injectedJson(const PublishRequest &request, const publish::RunSummary &summary)
{
    QJsonObject json;
    if (!request.defects)
        return json;
    json.insert(QStringLiteral("seed"), qint64(request.defects->seed()));
    QHash<publish::Defect, QJsonArray> ids;
    for (const auto &[defect, id] : summary.injected)
        ids[defect].append(QString::fromUtf8(id));
    for (const publish::Defect defect : publish::kAllDefects) {
        if (request.defects->count(defect) > 0)
            json.insert(QLatin1String(publish::defectName(defect)), ids.value(defect));
    }
    return json;
}

void printSummary(const PublishRequest &request, const publish::RunSummary &summary)
{
    const publish::PublisherStats &s = summary.stats;
    const double rate = summary.elapsedSeconds > 0 ? s.kafkaAcked / summary.elapsedSeconds : 0;
    QTextStream out(stdout);
    if (request.json) {
        const QJsonObject json{
            {QStringLiteral("requested"), request.run.count},
            {QStringLiteral("generated"), summary.generated},
            {QStringLiteral("kafka_acked"), s.kafkaAcked},
            {QStringLiteral("kafka_possibly_persisted"), s.kafkaPossiblyPersisted},
            {QStringLiteral("kafka_failed"), s.kafkaFailed},
            {QStringLiteral("kafka_failures"), failureReasonsJson(s.kafkaFailureReasons)},
            {QStringLiteral("redis_sent"), s.redisSent},
            {QStringLiteral("redis_skipped"), s.redisSkipped},
            {QStringLiteral("redis_withheld"), s.redisWithheld},
            {QStringLiteral("injected"), injectedJson(request, summary)},
            {QStringLiteral("redis_failed"), s.redisFailed},
            {QStringLiteral("redis_outages"), s.redisOutages},
            {QStringLiteral("elapsed_s"), summary.elapsedSeconds},
            {QStringLiteral("events_per_s"), rate},
            {QStringLiteral("kafka_ack_latency"), latencyJson(s.kafkaAck)},
            {QStringLiteral("redis_reply_latency"), latencyJson(s.redisReply)},
            {QStringLiteral("peak_rss_mb"), peakRssMegabytes()},
            {QStringLiteral("ordering"), QLatin1String(publish::toString(request.ordering))}};
        out << QJsonDocument(json).toJson(QJsonDocument::Compact) << Qt::endl;
        return;
    }
    out << "requested " << request.run.count << ", kafka acked " << s.kafkaAcked;
    if (s.kafkaPossiblyPersisted > 0)
        out << ", kafka possibly persisted " << s.kafkaPossiblyPersisted;
    out << ", kafka failed " << s.kafkaFailed << ", redis sent " << s.redisSent
        << ", redis skipped " << s.redisSkipped << ", redis failed " << s.redisFailed
        << ", elapsed " << QString::number(summary.elapsedSeconds, 'f', 2) << " s, "
        << QString::number(rate, 'f', 0) << " events/s" << Qt::endl;
    if (request.benchFigures || summary.elapsedSeconds > 1) {
        out << "kafka ack latency p50 " << ms(s.kafkaAck.p50Us) << " ms, p99 "
            << ms(s.kafkaAck.p99Us) << " ms, max " << ms(s.kafkaAck.maxUs) << " ms; redis reply "
            << "latency p50 " << ms(s.redisReply.p50Us) << " ms, p99 " << ms(s.redisReply.p99Us)
            << " ms" << Qt::endl;
    }
    if (request.benchFigures)
        out << "peak resident memory " << QString::number(peakRssMegabytes(), 'f', 1) << " MB"
            << Qt::endl;
    if (s.redisOutages > 0)
        out << "redis outages during the run: " << s.redisOutages << Qt::endl;
    if (request.defects) {
        QHash<publish::Defect, int> staged;
        for (const auto &entry : summary.injected)
            ++staged[entry.first];
        QStringList parts;
        for (const publish::Defect defect : publish::kAllDefects) {
            if (request.defects->count(defect) > 0)
                parts.append(QStringLiteral("%1 %2")
                                 .arg(QLatin1String(publish::defectName(defect)))
                                 .arg(staged.value(defect)));
        }
        out << "staged defects (seed " << request.defects->seed()
            << "): " << parts.join(QLatin1String(", ")) << Qt::endl;
    }
    if (!s.kafkaFailureReasons.isEmpty())
        out << "kafka failures by reason:" << Qt::endl;
    for (const publish::KafkaFailureReason &reason : s.kafkaFailureReasons) {
        out << "  " << publish::describeReason(reason) << Qt::endl;
        if (reason.example != reason.text)
            out << "    first: " << reason.example << Qt::endl;
    }
}

// Applies --type/--source-type/--source-id to the template text. The template was
// compiled once before this, so its own errors were reported with positions.
QByteArray withOverrides(const QByteArray &text, const QCommandLineParser &parser)
{
    QJsonObject object = QJsonDocument::fromJson(text).object();
    const std::pair<const char *, const char *> overrides[] = {
        {"type", "type"}, {"source-type", "source_type"}, {"source-id", "source_id"}};
    bool changed = false;
    for (const auto &[option, field] : overrides) {
        if (parser.isSet(QLatin1String(option))) {
            object.insert(QLatin1String(field), parser.value(QLatin1String(option)));
            changed = true;
        }
    }
    return changed ? QJsonDocument(object).toJson() : text;
}

} // namespace

void addPublishOptions(QCommandLineParser &parser)
{
    parser.addOption({QStringLiteral("count"), QStringLiteral("Events to publish (default 1)."),
                      QStringLiteral("N"), QStringLiteral("1")});
    parser.addOption({QStringLiteral("rate"),
                      QStringLiteral("Events per second, 0.1 and up (default: unlimited)."),
                      QStringLiteral("R")});
    parser.addOption({QStringLiteral("burst"),
                      QStringLiteral("Events that may go at once after a pause (token bucket "
                                     "size; with --rate)."),
                      QStringLiteral("B")});
    parser.addOption({QStringLiteral("batch"),
                      QStringLiteral("Events per Kafka produce batch and Redis pipeline "
                                     "(default 100)."),
                      QStringLiteral("B"), QStringLiteral("100")});
    parser.addOption({QStringLiteral("template"),
                      QStringLiteral("Event template (JSON with placeholders {{seq}}, {{uuid}}, "
                                     "{{now}}, {{now_ms}}, {{int:LO:HI}}, {{choice:a|b}}, "
                                     "{{source}})."),
                      QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("type"), QStringLiteral("Event type."), QStringLiteral("T")});
    parser.addOption(
        {QStringLiteral("source-type"), QStringLiteral("Source type."), QStringLiteral("S")});
    parser.addOption(
        {QStringLiteral("source-id"), QStringLiteral("Source id."), QStringLiteral("ID")});
    parser.addOption({QStringLiteral("sources"),
                      QStringLiteral("Spread the events over K sources: <source-id>-0 .. -(K-1)."),
                      QStringLiteral("K")});
    parser.addOption({QStringLiteral("ordering"),
                      QStringLiteral("kafka-first (default: the notification after Kafka's ack) "
                                     "or parallel."),
                      QStringLiteral("ORDER"), QStringLiteral("kafka-first")});
    parser.addOption({QStringLiteral("channel-template"),
                      QStringLiteral("Redis channel template (default "
                                     "events:{source_type}:{source_id})."),
                      QStringLiteral("TEMPLATE")});
    parser.addOption({QStringLiteral("enqueue-timeout-ms"),
                      QStringLiteral("How long a publish waits for room in a full producer "
                                     "queue (default 5000)."),
                      QStringLiteral("MS"), QStringLiteral("5000")});
    parser.addOption(
        {QStringLiteral("json"), QStringLiteral("Print the summary as one JSON object.")});
    parser.addOption({QStringLiteral("inject"),
                      QStringLiteral("Stage N defects of a kind on the notification path, at "
                                     "random events (repeatable): missing, duplicate, "
                                     "wrong_channel, oversized, late, orphan, unparseable. A "
                                     "check finds exactly these; --json lists their ids."),
                      QStringLiteral("KIND=N")});
    parser.addOption({QStringLiteral("inject-delay-ms"),
                      QStringLiteral("How long a staged late notification is held back "
                                     "(default 1500: after the check's late threshold, within "
                                     "its grace window)."),
                      QStringLiteral("MS"), QStringLiteral("1500")});
    parser.addOption({QStringLiteral("inject-seed"),
                      QStringLiteral("Seed of the random positions of the staged defects "
                                     "(default: a new one each run, printed)."),
                      QStringLiteral("SEED")});
}

bool readPublishOptions(const QCommandLineParser &parser, PublishRequest *request, QString *error)
{
    qint64 batch = request->run.batch, sources = 1, enqueueTimeout = request->enqueueTimeoutMs;
    if (!readCount(parser, QStringLiteral("count"), 1, &request->run.count, error) ||
        !readCount(parser, QStringLiteral("batch"), 1, &batch, error) ||
        !readCount(parser, QStringLiteral("sources"), 1, &sources, error) ||
        !readCount(parser, QStringLiteral("enqueue-timeout-ms"), 0, &enqueueTimeout, error) ||
        !readNumber(parser, QStringLiteral("rate"), 0.1, &request->run.rate, error) ||
        !readNumber(parser, QStringLiteral("burst"), 1, &request->run.burst, error))
        return false;
    if (batch > 100'000) {
        *error = QStringLiteral("--batch is at most 100000");
        return false;
    }
    request->run.batch = static_cast<int>(batch);
    request->enqueueTimeoutMs = static_cast<int>(enqueueTimeout);
    request->json = parser.isSet(QStringLiteral("json"));

    const QString ordering = parser.value(QStringLiteral("ordering"));
    if (ordering == QLatin1String("kafka-first")) {
        request->ordering = publish::Ordering::KafkaFirst;
    } else if (ordering == QLatin1String("parallel")) {
        request->ordering = publish::Ordering::Parallel;
    } else {
        *error = QStringLiteral("--ordering is kafka-first or parallel, got '%1'").arg(ordering);
        return false;
    }

    if (!readChannelTemplate(parser, &request->channelTemplate, error))
        return false;

    if (parser.isSet(QStringLiteral("template"))) {
        const QString path = parser.value(QStringLiteral("template"));
        QString why;
        if (!io::readUserFile(path, io::kMaxTemplateFileBytes, &request->templateText, &why)) {
            *error = QStringLiteral("cannot use the template: ") + why;
            return false;
        }
        request->templateName = path;
    } else {
        request->templateText = generate::EventTemplate::defaultTemplateText();
        request->templateName = QStringLiteral("the default template");
    }
    generate::TemplateError templateError;
    if (!generate::EventTemplate::compile(request->templateText, &templateError)) {
        *error = QStringLiteral("%1: %2").arg(request->templateName, templateError.toString());
        return false;
    }
    request->templateText = withOverrides(request->templateText, parser);
    std::optional<generate::EventTemplate> compiled =
        generate::EventTemplate::compile(request->templateText, &templateError);
    if (!compiled) {
        *error = QStringLiteral("%1 with the options given: %2")
                     .arg(request->templateName, templateError.toString());
        return false;
    }
    request->sources = static_cast<int>(sources);

    qint64 delay = 1500, seed = 0;
    if (!readCount(parser, QStringLiteral("inject-delay-ms"), 0, &delay, error) ||
        !readCount(parser, QStringLiteral("inject-seed"), 0, &seed, error))
        return false;
    request->injectDelayMs = static_cast<int>(std::min<qint64>(delay, 600'000));
    const QStringList injections = parser.values(QStringLiteral("inject"));
    if (!injections.isEmpty()) {
        const quint32 chosenSeed = parser.isSet(QStringLiteral("inject-seed"))
                                       ? quint32(seed)
                                       : QRandomGenerator::global()->generate();
        std::optional<publish::DefectPlan> plan =
            publish::DefectPlan::parse(injections, request->run.count, chosenSeed, error);
        if (!plan)
            return false;
        request->defects = plan;
    }
    return true;
}

int executePublish(const PublishRequest &request)
{
    generate::TemplateError templateError;
    std::optional<generate::EventTemplate> eventTemplate =
        generate::EventTemplate::compile(request.templateText, &templateError);
    Q_ASSERT(eventTemplate); // readPublishOptions() compiled the same text
    eventTemplate->setSourceSpread(request.sources);

    publish::PublisherConfig config;
    config.kafkaBootstrap = request.connection.kafkaBootstrap;
    config.kafkaProperties = request.connection.kafkaProperties;
    config.topic = request.connection.topic;
    config.redisUrl = request.connection.redisUrl;
    config.ordering = request.ordering;
    config.enqueueTimeoutMs = request.enqueueTimeoutMs;
    config.channelTemplate = request.channelTemplate;
    config.defects = request.defects;
    config.injectDelayMs = request.injectDelayMs;

    QThread worker;
    worker.setObjectName(QStringLiteral("publisher"));
    auto *publisher = new publish::DualPublisher(config);
    auto *run = new publish::PublishRun(publisher, *eventTemplate, request.run);
    publisher->moveToThread(&worker);
    run->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, publisher, &QObject::deleteLater);
    QObject::connect(&worker, &QThread::finished, run, &QObject::deleteLater);

    QCoreApplication *app = QCoreApplication::instance();
    int exitCode = ExitError;
    publish::RunSummary summary;
    const bool progressOnTerminal = ::isatty(STDERR_FILENO) && !request.json;
    QElapsedTimer clock;
    clock.start();
    bool progressShown = false;

    QObject::connect(publisher, &publish::DualPublisher::started, run, &publish::PublishRun::start);
    QObject::connect(publisher, &publish::DualPublisher::startFailed, app,
                     [&](const QString &error) {
                         printError(error);
                         exitCode = ExitError;
                         app->exit(ExitError);
                     });
    QObject::connect(publisher, &publish::DualPublisher::redisStatusChanged, app,
                     [](bool, const QString &message) { printError(message); });
    QObject::connect(run, &publish::PublishRun::progress, app,
                     [&](const publish::PublisherStats &s, qint64 generated) {
                         if (!progressOnTerminal || clock.elapsed() < kProgressAfterMs)
                             return;
                         progressShown = true;
                         QTextStream(stderr)
                             << "\r" << generated << "/" << request.run.count << " events, kafka "
                             << "acked " << s.kafkaAcked << ", failed " << s.kafkaFailed
                             << ", redis sent " << s.redisSent << ", skipped " << s.redisSkipped
                             << "   " << Qt::flush;
                     });
    QObject::connect(run, &publish::PublishRun::finished, publisher,
                     [&summary, publisher](const publish::RunSummary &result) {
                         summary = result;
                         publisher->shutdown(kShutdownTimeoutMs);
                     });
    QObject::connect(publisher, &publish::DualPublisher::shutdownFinished, app, [&](qint64) {
        if (progressShown)
            QTextStream(stderr) << "\n" << Qt::flush;
        printSummary(request, summary);
        exitCode = summary.stats.kafkaAcked == request.run.count ? ExitOk : ExitGaps;
        app->exit(exitCode);
    });

    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, run, [run] { run->stop(); });

    worker.start();
    QMetaObject::invokeMethod(publisher, &publish::DualPublisher::start, Qt::QueuedConnection);
    exitCode = app->exec();
    worker.quit();
    worker.wait();
    return exitCode;
}

int runPublishCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Publishes events the dual-stream way: each event to Kafka (key = source_id) and, once "
        "Kafka acknowledged it, its notification {id, type, source_id} to Redis on "
        "events:{source_type}:{source_id}. Redis is best-effort: when it is unreachable, at start "
        "or later, every event still goes to Kafka, its notification is skipped and counted, and "
        "the publisher reconnects in the background (100 ms doubling to 5 s). Exit 0 when every "
        "event reached Kafka, 1 when any did not (the summary groups the failures by reason), 2 "
        "on a usage or configuration error - a Kafka that cannot be reached, or a Redis that "
        "refuses the password, is not Redis or fails TLS, since retrying cannot fix those."));
    addConnectionOptions(parser);
    addPublishOptions(parser);
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;
    PublishRequest request;
    QString error;
    if (!readPublishOptions(parser, &request, &error) ||
        !resolveConnection(parser, &request.connection, &error)) {
        printError(error);
        return ExitError;
    }
    return executePublish(request);
}

} // namespace dualscope::cli
