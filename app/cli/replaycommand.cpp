// SPDX-License-Identifier: MIT
#include "replaycommand.h"

#include "cliconnection.h"
#include "event/event.h"
#include "gap/gapreport.h"
#include "io/userfile.h"
#include "mappingoptions.h"
#include "publish/notificationreplay.h"
#include "signalwatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>
#include <QThread>
#include <unistd.h>

namespace dualscope::cli {

namespace {

using publish::ReplayRange;

// A progress line appears only for runs that last longer than this, and only on
// a terminal, so that scripts and short runs see the summary alone (as publish).
constexpr int kProgressAfterMs = 1000;
// Below it a plain number is an offset, from it on epoch milliseconds: 10^12 ms
// is September 2001, and no partition holds a trillion records.
constexpr qint64 kFirstEpochMs = 1'000'000'000'000;

bool readBound(const QCommandLineParser &parser, const QString &name, ReplayRange::Bound *kind,
               qint64 *value, QString *error)
{
    const QString text = parser.value(name);
    bool isNumber = false;
    const qint64 number = text.toLongLong(&isNumber);
    if (isNumber && number >= 0) {
        *kind = number < kFirstEpochMs ? ReplayRange::Bound::Offset : ReplayRange::Bound::Timestamp;
        *value = number;
        return true;
    }
    qint64 ms = 0;
    if (!isNumber && event::parseTimestamp(text.toUtf8(), &ms)) {
        *kind = ReplayRange::Bound::Timestamp;
        *value = ms;
        return true;
    }
    *error = QStringLiteral("--%1 takes an offset (a whole number below 10^12), an ISO 8601 time "
                            "(2026-11-27T15:04:05Z) or epoch milliseconds, got '%2'")
                 .arg(name, text);
    return false;
}

bool readRange(const QCommandLineParser &parser, const Connection &connection, ReplayRange *range,
               QString *error)
{
    range->topic = connection.topic;
    if (!readBound(parser, QStringLiteral("from"), &range->fromKind, &range->from, error))
        return false;
    if (parser.isSet(QStringLiteral("to")) &&
        !readBound(parser, QStringLiteral("to"), &range->toKind, &range->to, error))
        return false;
    if (range->toKind == range->fromKind && range->to < range->from &&
        range->toKind != ReplayRange::Bound::End) {
        *error = QStringLiteral("--to %1 is before --from %2")
                     .arg(parser.value(QStringLiteral("to")), parser.value(QStringLiteral("from")));
        return false;
    }
    for (const QString &text : parser.values(QStringLiteral("partition"))) {
        bool ok = false;
        const int partition = text.toInt(&ok);
        if (!ok || partition < 0) {
            *error = QStringLiteral("--partition takes a partition number, got '%1'").arg(text);
            return false;
        }
        range->partitions.append(partition);
    }
    return true;
}

// The `missing` gaps of a check report, each with its Kafka position.
bool readTargets(const QString &path, const QCommandLineParser &parser, Connection *connection,
                 QList<publish::ReplayTarget> *targets, QStringList *notices, QString *error)
{
    QByteArray bytes;
    if (!io::readUserFile(path, io::kMaxReportFileBytes, &bytes, error)) {
        error->prepend(QStringLiteral("cannot use the report: "));
        return false;
    }
    QString why;
    const std::optional<gap::ParsedReport> report = gap::readJsonReport(bytes, &why);
    if (!report) {
        *error = QStringLiteral("%1: %2").arg(path, why);
        return false;
    }
    if (!report->window.topic.isEmpty()) {
        if (parser.isSet(QStringLiteral("topic")) && connection->topic != report->window.topic) {
            *error = QStringLiteral("%1 is a report on topic %2, not %3")
                         .arg(path, QString::fromUtf8(report->window.topic),
                              QString::fromUtf8(connection->topic));
            return false;
        }
        connection->topic = report->window.topic;
    }
    qint64 withoutPosition = 0;
    for (const gap::Gap &gap : report->gaps) {
        if (gap.kind != gap::GapKind::Missing)
            continue;
        if (gap.partition < 0 || gap.offset < 0) {
            ++withoutPosition;
            continue;
        }
        targets->append({connection->topic, gap.partition, gap.offset, gap.id});
    }
    if (withoutPosition > 0)
        notices->append(QStringLiteral("%1 missing events in the report have no Kafka position: "
                                       "they cannot be replayed")
                            .arg(withoutPosition));
    const qint64 listed = targets->size() + withoutPosition;
    if (report->counts.missing > listed)
        notices->append(QStringLiteral("the report counts %1 missing events but lists %2: only "
                                       "those are replayed")
                            .arg(report->counts.missing)
                            .arg(listed));
    if (listed == 0)
        notices->append(QStringLiteral("the report lists no missing events: nothing to replay"));
    return true;
}

void printSummary(const publish::ReplayResult &result)
{
    QTextStream(stdout) << "replayed " << result.requested << " notifications: sent " << result.sent
                        << ", failed " << result.failed << ", skipped " << result.skipped()
                        << " (unparseable " << result.skippedUnparseable << ", no channel "
                        << result.skippedNoChannel << ", not found " << result.skippedNotFound
                        << ")" << Qt::endl;
    QTextStream err(stderr);
    for (const QString &error : result.errors)
        err << "  " << error << Qt::endl;
    if (result.errors.size() >= publish::ReplayResult::kMaxErrors)
        err << "  (only the first " << result.errors.size() << " reasons are shown)" << Qt::endl;
}

} // namespace

int runReplayCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Re-sends the notifications of Kafka events, read from Kafka (never from Redis): every "
        "record of a range, or the records of a check report's missing gaps. A plain number "
        "below 10^12 is an offset (per partition); an ISO 8601 time or a larger number (epoch "
        "ms) is a time, resolved per partition. --from is inclusive; --to OFFSET is the last "
        "offset replayed, --to TIME replays records stamped before it. Exit 0: every "
        "notification sent, 1: some not, 2: usage or connection error."));
    addConnectionOptions(parser);
    parser.addOption({QStringLiteral("from"),
                      QStringLiteral("Replay from this offset or time (in every partition)."),
                      QStringLiteral("OFFSET|TIME")});
    parser.addOption({QStringLiteral("to"),
                      QStringLiteral("Stop at this offset (inclusive) or time (exclusive); "
                                     "default: the end of each partition."),
                      QStringLiteral("OFFSET|TIME")});
    parser.addOption({QStringLiteral("partition"),
                      QStringLiteral("Only this partition (repeatable; default: all)."),
                      QStringLiteral("P")});
    parser.addOption({QStringLiteral("report"),
                      QStringLiteral("Replay the missing notifications of this check report."),
                      QStringLiteral("FILE.json")});
    parser.addOption(
        {QStringLiteral("channel-template"),
         QStringLiteral("Redis channel template (default events:{source_type}:{source_id})."),
         QStringLiteral("TEMPLATE")});
    addMappingOptions(parser);
    int exitCode = ExitOk;
    if (!parseOrExit(parser, arguments, &exitCode))
        return exitCode;

    const bool fromReport = parser.isSet(QStringLiteral("report"));
    const bool fromRange = parser.isSet(QStringLiteral("from"));
    if (fromReport && (fromRange || parser.isSet(QStringLiteral("to")) ||
                       parser.isSet(QStringLiteral("partition")))) {
        printError(QStringLiteral("--report replays the report's missing notifications: it takes "
                                  "no --from, --to or --partition (see --help)"));
        return ExitError;
    }
    if (!fromReport && !fromRange) {
        printError(QStringLiteral("replay needs --from OFFSET|TIME or --report FILE.json (see "
                                  "--help)"));
        return ExitError;
    }

    publish::ReplayConfig config;
    Connection connection;
    QString error;
    if (!resolveConnection(parser, &connection, &error)) {
        printError(error);
        return ExitError;
    }
    config.kafkaBootstrap = connection.kafkaBootstrap;
    config.kafkaProperties = connection.kafkaProperties;
    config.redisUrl = connection.redisUrl;
    if (!readChannelTemplate(parser, &config.channelTemplate, &error)) {
        printError(error);
        return ExitError;
    }
    applyMappingOptions(parser, &config.mapping);
    if (!gap::FieldMapping::validate(config.mapping, &error)) {
        printError(error);
        return ExitError;
    }

    QStringList notices;
    publish::NotificationReplay *replay = nullptr;
    if (fromReport) {
        QList<publish::ReplayTarget> targets;
        if (!readTargets(parser.value(QStringLiteral("report")), parser, &connection, &targets,
                         &notices, &error)) {
            printError(error);
            return ExitError;
        }
        replay = new publish::NotificationReplay(config, targets);
    } else {
        ReplayRange range;
        if (!readRange(parser, connection, &range, &error)) {
            printError(error);
            return ExitError;
        }
        replay = new publish::NotificationReplay(config, range);
    }
    for (const QString &notice : std::as_const(notices))
        printError(notice);

    QThread worker;
    worker.setObjectName(QStringLiteral("replay"));
    replay->moveToThread(&worker);
    QObject::connect(&worker, &QThread::finished, replay, &QObject::deleteLater);
    QCoreApplication *app = QCoreApplication::instance();
    const bool progressOnTerminal = ::isatty(STDERR_FILENO);
    QElapsedTimer clock;
    clock.start();
    bool progressShown = false;
    QObject::connect(replay, &publish::NotificationReplay::progress, app,
                     [&](qint64 done, qint64 total) {
                         if (!progressOnTerminal || clock.elapsed() < kProgressAfterMs)
                             return;
                         progressShown = true;
                         QTextStream(stderr) << "\r" << done << "/" << total << " records replayed"
                                             << "   " << Qt::flush;
                     });
    QObject::connect(replay, &publish::NotificationReplay::failed, app, [&](const QString &why) {
        if (progressShown)
            QTextStream(stderr) << "\n" << Qt::flush;
        printError(why);
        app->exit(ExitError);
    });
    QObject::connect(replay, &publish::NotificationReplay::finished, app,
                     [&](const publish::ReplayResult &result) {
                         if (progressShown)
                             QTextStream(stderr) << "\n" << Qt::flush;
                         for (const QString &notice : result.notices)
                             printError(notice);
                         printSummary(result);
                         app->exit(result.sent == result.requested ? ExitOk : ExitGaps);
                     });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, replay,
                     [replay](int) { replay->stop(); });
    worker.start();
    QMetaObject::invokeMethod(replay, &publish::NotificationReplay::start, Qt::QueuedConnection);
    const int result = app->exec();
    worker.quit();
    worker.wait();
    return result;
}

} // namespace dualscope::cli
