// SPDX-License-Identifier: MIT
// `dualscope-cli check` where it used to report gaps that did not happen: a checker
// cut by Redis for falling behind, a window that ends while traffic flows, late
// arrivals and a replay after the grace window, a stalled cluster, and the order of
// one source's events (key_spread, reordered). Every count is asserted from facts:
// the publisher's outcomes, what kcat finds in Kafka, the checker's own outages.
#include "checkrun.h"
#include "peers.h"
#include "rawproducer.h"
#include "sandbox/sandbox.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QSet>
#include <csignal>

using namespace dualscope;
using namespace dualscope::testing;

namespace {

QStringList publishArguments(const sandbox::Sandbox &box, const QStringList &extra)
{
    return QStringList{QStringLiteral("publish"),
                       QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()),
                       QStringLiteral("--redis"),
                       box.redisUrl(),
                       QStringLiteral("--json")} +
           extra;
}

QJsonObject publishJson(QProcess &publish)
{
    return QJsonDocument::fromJson(publish.readAllStandardOutput()).object();
}

QJsonArray outagesOf(const QJsonObject &report)
{
    return report.value(QLatin1String("window"))
        .toObject()
        .value(QLatin1String("redis_outages"))
        .toArray();
}

QString countsText(const QJsonObject &report)
{
    return QString::fromUtf8(
        QJsonDocument(report.value(QLatin1String("counts")).toObject()).toJson());
}

} // namespace

class TestCheckEdges final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set"); }

    void checkerCutForFallingBehindIsUnobservedNotMissing()
    {
        // given a Redis that cuts a subscriber whose output buffer passes 256 KB (and
        // 24 partitions, so that the mock's 5 MB per partition keeps every record)
        sandbox::SandboxOptions options;
        options.partitions = 24;
        sandbox::Sandbox box(options);
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        RawPublisher admin(box.redisUrl());
        QVERIFY(
            admin.command({"CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 128kb 1"})
                .isStatus("OK"));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("4"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("1500")}));
        // and 500 events it sees in time
        QProcess before;
        before.start(cliPath(), publishArguments(box, {QStringLiteral("--count=500")}));
        QVERIFY(ended(before, 60'000));
        QCOMPARE(before.exitCode(), 0);
        // when the checker stops reading (SIGSTOP) while 60,000 more are published,
        // so that Redis cuts it and drops what it had queued for it
        QCOMPARE(::kill(pid_t(check.process().processId()), SIGSTOP), 0);
        QProcess flood;
        flood.start(cliPath(), publishArguments(box, {QStringLiteral("--count=60000"),
                                                      QStringLiteral("--sources=200")}));
        const bool floodDone = flood.waitForFinished(120'000);
        QCOMPARE(::kill(pid_t(check.process().processId()), SIGCONT), 0);
        QVERIFY(floodDone);
        QCOMPARE(flood.exitCode(), 0);
        const QJsonObject published = publishJson(flood);
        QCOMPARE(published.value(QLatin1String("redis_sent")).toInteger(), 60'000);
        // then the check accounts for every event, and calls none missing: what Redis
        // dropped is unobserved, with the cause
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QVERIFY2(count(report, "missing") == 0, qPrintable(countsText(report)));
        QCOMPARE(count(report, "orphan"), 0);
        QVERIFY2(count(report, "late") == 0, qPrintable(countsText(report)));
        QCOMPARE(count(report, "matched") + count(report, "unobserved"), 60'500);
        QVERIFY(count(report, "unobserved") > 0);
        const QJsonArray outages = outagesOf(report);
        QVERIFY(!outages.isEmpty());
        const QString cause = outages.first().toObject().value(QLatin1String("cause")).toString();
        QVERIFY2(cause.contains(QLatin1String("fell behind by")) &&
                     cause.contains(QLatin1String("dropped its buffer")),
                 qPrintable(cause));
    }

    void retentionOvertakingTheCheckerMakesNoOrphans()
    {
        // given a stopped checker and a partition that receives more than the mock
        // keeps (about 5 MB): its oldest records are deleted before they are read
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("4"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("1500")}));
        QCOMPARE(::kill(pid_t(check.process().processId()), SIGSTOP), 0);
        QProcess flood;
        flood.start(cliPath(), publishArguments(box, {QStringLiteral("--count=60000"),
                                                      QStringLiteral("--source-id=one")}));
        const bool floodDone = flood.waitForFinished(120'000);
        QCOMPARE(::kill(pid_t(check.process().processId()), SIGCONT), 0);
        QVERIFY(floodDone);
        // then the notifications of records it never saw are not orphans: unjudged,
        // and the report says which offsets it could not read
        check.finish();
        const QJsonObject report = check.report();
        QVERIFY2(count(report, "orphan") == 0, qPrintable(countsText(report)));
        QCOMPARE(count(report, "missing"), 0);
        const QJsonArray skipped = report.value(QLatin1String("window"))
                                       .toObject()
                                       .value(QLatin1String("kafka_skipped"))
                                       .toArray();
        QVERIFY2(!skipped.isEmpty(),
                 "retention did not overtake the tail: the test proves nothing");
        QVERIFY2(count(report, "unjudged_notifications") > 0, qPrintable(countsText(report)));
        QVERIFY(check.output().contains("could not read offsets"));
    }

    void windowEndWithTrafficFlowingMakesNoOrphans()
    {
        // given 24 partitions and 20,000 events/s flowing before, during and after
        sandbox::SandboxOptions options;
        options.partitions = 24;
        sandbox::Sandbox box(options);
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QProcess traffic;
        traffic.start(cliPath(), publishArguments(box, {QStringLiteral("--count=400000"),
                                                        QStringLiteral("--rate=20000"),
                                                        QStringLiteral("--sources=50")}));
        QVERIFY(traffic.waitForStarted());
        QTest::qWait(1000);
        // when a 5 s check runs in the middle of it
        QElapsedTimer clock;
        clock.start();
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--duration"), QStringLiteral("5")}));
        const int exitCode = check.finish(30'000);
        const qint64 tookMs = clock.elapsed();
        traffic.kill();
        traffic.waitForFinished();
        // then every notification taken is judged against Kafka: no orphan, no
        // missing; what came after the end is outside, not a gap
        const QJsonObject report = check.report();
        QVERIFY2(exitCode == 0, qPrintable(countsText(report)));
        QCOMPARE(count(report, "orphan"), 0);
        QCOMPARE(count(report, "missing"), 0);
        QVERIFY(count(report, "matched") > 50'000);
        QVERIFY(count(report, "outside_window_records") +
                    count(report, "outside_window_notifications") >
                0);
        // and it ends within the duration, the grace window and a few seconds
        QVERIFY2(tookMs < 5000 + 2000 + 5000, qPrintable(QString::number(tookMs)));
    }

    void lateArrivalsAndAReplayAreLateNotMissingNorOrphans()
    {
        // given a check with a 1 s grace window
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--duration"), QStringLiteral("12"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("1000"),
                                  QStringLiteral("--late-ms"), QStringLiteral("1000")}));
        // when 200 events reach Kafka and their notifications come 2.5 s later
        RawProducer kafka(box.kafkaBootstrap());
        for (int i = 0; i < 200; ++i) {
            const QByteArray source = "u" + QByteArray::number(i % 5);
            QVERIFY(kafka.produce(source, eventJson("e-" + QByteArray::number(i), source)));
        }
        QVERIFY(kafka.flush());
        QTest::qWait(2500);
        RawPublisher redis(box.redisUrl());
        for (int i = 0; i < 200; ++i) {
            const QByteArray source = "u" + QByteArray::number(i % 5);
            redis.publish("events:user:" + source,
                          notificationJson("e-" + QByteArray::number(i), source));
        }
        QVERIFY(redis.flush());
        // and 10 more events get no notification until a replay, 2 s after them
        const qint64 replayFrom = QDateTime::currentMSecsSinceEpoch();
        for (int i = 0; i < 10; ++i)
            QVERIFY(kafka.produce("r", eventJson("f-" + QByteArray::number(i), "r")));
        QVERIFY(kafka.flush());
        QTest::qWait(2000);
        const CliResult replay =
            runCli({QStringLiteral("replay"), QStringLiteral("--kafka"),
                    QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                    box.redisUrl(), QStringLiteral("--from"), QString::number(replayFrom)});
        QVERIFY2(replay.exitCode == 0, replay.err.constData());
        QVERIFY2(replay.out.contains("sent 10"), replay.out.constData());
        // then all 210 are matched and late: the missing verdicts were revised, once,
        // and the replay created no orphan
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QVERIFY2(count(report, "missing") == 0, qPrintable(countsText(report)));
        QCOMPARE(count(report, "orphan"), 0);
        QCOMPARE(count(report, "matched"), 210);
        QCOMPARE(count(report, "late"), 210);
        QVERIFY(count(report, "revised") >= 10);
        // and the report lists the final verdicts: no missing row is left behind
        int lateRows = 0;
        for (const QJsonValue &value : report.value(QLatin1String("gaps")).toArray()) {
            const QString kind = value.toObject().value(QLatin1String("kind")).toString();
            QVERIFY2(kind == QLatin1String("late"), qPrintable(kind));
            ++lateRows;
        }
        QCOMPARE(lateRows, 210);
    }

    void aStalledClusterGivesOutcomesThatMatchKafka()
    {
        // given a check, and a publisher with a short message timeout
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("5"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("4000"),
                                  QStringLiteral("--late-ms"), QStringLiteral("4000")}));
        QProcess publish;
        publish.start(cliPath(),
                      publishArguments(box, {QStringLiteral("--count=3000"),
                                             QStringLiteral("--rate=600"), QStringLiteral("-X"),
                                             QStringLiteral("message.timeout.ms=1500")}));
        QVERIFY(publish.waitForStarted());
        // when every broker stalls for 2.5 s in the middle of the run
        QTest::qWait(1500);
        QVERIFY(box.kafka().setBrokerRtt(-1, 2500, &error));
        QTest::qWait(2500);
        QVERIFY(box.kafka().setBrokerRtt(-1, 0, &error));
        QVERIFY(ended(publish, 60'000));
        // then the outcomes add up, and each latency count equals its outcome count
        const QJsonObject outcomes = publishJson(publish);
        const qint64 acked = outcomes.value(QLatin1String("kafka_acked")).toInteger(-1);
        const qint64 possibly =
            outcomes.value(QLatin1String("kafka_possibly_persisted")).toInteger(-1);
        const qint64 failed = outcomes.value(QLatin1String("kafka_failed")).toInteger(-1);
        QCOMPARE(acked + possibly + failed, 3000);
        QVERIFY2(possibly + failed > 0, "the stall timed nothing out: the test proves nothing");
        QCOMPARE(outcomes.value(QLatin1String("kafka_ack_latency"))
                     .toObject()
                     .value(QLatin1String("count"))
                     .toInteger(),
                 acked);
        QCOMPARE(outcomes.value(QLatin1String("redis_reply_latency"))
                     .toObject()
                     .value(QLatin1String("count"))
                     .toInteger(),
                 outcomes.value(QLatin1String("redis_sent")).toInteger());
        // and agree with the topic: every acked event is there, and at most the
        // possibly persisted ones besides (distinct ids: the mock may store a retry twice)
        QSet<QByteArray> ids;
        for (const KafkaRecord &record : kcatConsumeAll(box.kafkaBootstrap(), "events")) {
            const QJsonObject value = QJsonDocument::fromJson(record.value).object();
            ids.insert(value.value(QLatin1String("id")).toString().toUtf8());
        }
        QVERIFY2(ids.size() >= acked && ids.size() <= acked + possibly,
                 qPrintable(QStringLiteral("%1 in Kafka, %2 acked, %3 possibly persisted")
                                .arg(ids.size())
                                .arg(acked)
                                .arg(possibly)));
        // and the check's missing events are exactly the possibly persisted ones that
        // reached Kafka (kafka-first sent them no notification)
        check.finish();
        const QJsonObject report = check.report();
        QCOMPARE(count(report, "missing"), ids.size() - acked);
        QCOMPARE(count(report, "matched"), acked);
        QCOMPARE(count(report, "orphan"), 0);
    }

    void stagedDefectsAreFoundExactly()
    {
        // given a check, and a publisher that stages every kind of defect on purpose
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("3")}));
        QProcess publish;
        publish.start(
            cliPath(),
            publishArguments(
                box,
                {QStringLiteral("--count=1000"), QStringLiteral("--sources=10"),
                 QStringLiteral("--inject=missing=7"), QStringLiteral("--inject=duplicate=5"),
                 QStringLiteral("--inject=wrong_channel=4"), QStringLiteral("--inject=oversized=3"),
                 QStringLiteral("--inject=late=6"), QStringLiteral("--inject=orphan=2"),
                 QStringLiteral("--inject=unparseable=1")}));
        QVERIFY(ended(publish, 60'000));
        QCOMPARE(publish.exitCode(), 0);
        const QJsonObject summary = publishJson(publish);
        const QJsonObject injected = summary.value(QLatin1String("injected")).toObject();
        QCOMPARE(injected.value(QLatin1String("missing")).toArray().size(), 7);
        QCOMPARE(summary.value(QLatin1String("redis_withheld")).toInteger(), 7);
        // then the check finds exactly what was staged, and the missing ids are the ones
        // the publisher listed
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QCOMPARE(count(report, "missing"), 7);
        QCOMPARE(count(report, "duplicate"), 5);
        QCOMPARE(count(report, "wrong_channel"), 4);
        QCOMPARE(count(report, "oversized"), 3);
        QCOMPARE(count(report, "late"), 6);
        // (the counts in the message when one is off: what was unjudged, and why)
        QVERIFY2(count(report, "orphan") == 2, qPrintable(countsText(report)));
        QVERIFY2(count(report, "unparseable") == 1, qPrintable(countsText(report)));
        QCOMPARE(count(report, "unobserved"), 0);
        QCOMPARE(count(report, "matched"), 1000 - 7 - 4);
        QSet<QString> staged, found;
        for (const QJsonValue &id : injected.value(QLatin1String("missing")).toArray())
            staged.insert(id.toString());
        for (const QJsonValue &value : report.value(QLatin1String("gaps")).toArray()) {
            const QJsonObject gap = value.toObject();
            if (gap.value(QLatin1String("kind")).toString() == QLatin1String("missing"))
                found.insert(gap.value(QLatin1String("id")).toString());
        }
        QCOMPARE(found, staged);
    }

    void extrasStagedAfterAMissingEventAreStillSent()
    {
        // given a check, and a run of one event whose own notification is withheld
        // (staged missing) with an orphan and a stray staged after it: the defect
        // plan put them on the same event, as it may in any run
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("3")}));
        QProcess publish;
        publish.start(cliPath(), publishArguments(box, {QStringLiteral("--count=1"),
                                                        QStringLiteral("--inject=missing=1"),
                                                        QStringLiteral("--inject=orphan=1"),
                                                        QStringLiteral("--inject=unparseable=1")}));
        QVERIFY(ended(publish, 60'000));
        QCOMPARE(publish.exitCode(), 0);
        // then the check finds all three: the extras went out, and before the
        // publisher exited
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QVERIFY2(count(report, "missing") == 1, qPrintable(countsText(report)));
        QVERIFY2(count(report, "orphan") == 1, qPrintable(countsText(report)));
        QVERIFY2(count(report, "unparseable") == 1, qPrintable(countsText(report)));
        QCOMPARE(count(report, "matched"), 0);
    }

    void aRoundRobinProducerSpreadsAKey()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        // (latency is not what these tests look at: a slow machine must not make late ones)
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("2"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("5000"),
                                  QStringLiteral("--late-ms"), QStringLiteral("5000")}));
        RawPublisher redis(box.redisUrl());
        // when one key's records go round robin over three partitions (kafka-go's
        // default Writer), each with its notification
        RawProducer kafka(box.kafkaBootstrap());
        for (int i = 0; i < 30; ++i)
            QVERIFY(kafka.produce("u1", eventJson("k-" + QByteArray::number(i), "u1"), i % 3));
        QVERIFY(kafka.flush());
        for (int i = 0; i < 30; ++i)
            redis.publish("events:user:u1", notificationJson("k-" + QByteArray::number(i), "u1"));
        QVERIFY(redis.flush());
        // then every event matched, and one key_spread says the order is lost; it is
        // informational: the check passes
        const int exitCode = check.finish();
        const QJsonObject report = check.report();
        QVERIFY2(exitCode == 0, QJsonDocument(report).toJson().constData());
        QCOMPARE(count(report, "matched"), 30);
        QCOMPARE(count(report, "key_spread"), 1);
        QVERIFY(check.junit().contains("key_spread"));
    }

    void twoPublishersOnOneChannelReorder()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        // (latency is not what these tests look at: a slow machine must not make late ones)
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("2"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("5000"),
                                  QStringLiteral("--late-ms"), QStringLiteral("5000")}));
        RawPublisher redis(box.redisUrl());
        // given 20 events of one source, in order on one partition
        RawProducer kafka(box.kafkaBootstrap());
        for (int i = 0; i < 20; ++i)
            QVERIFY(kafka.produce("u1", eventJson("o-" + QByteArray::number(i), "u1"), 0));
        QVERIFY(kafka.flush());
        // when two publishers share the channel: one sends the even events, then the
        // other the odd ones
        for (int parity : {0, 1}) {
            for (int i = parity; i < 20; i += 2)
                redis.publish("events:user:u1",
                              notificationJson("o-" + QByteArray::number(i), "u1"));
        }
        QVERIFY(redis.flush());
        // then all 20 match, and the odd ones that came after a later event are
        // reordered: o-1 .. o-17 (o-19 has no later event before it)
        const int exitCode = check.finish();
        const QJsonObject report = check.report();
        QVERIFY2(exitCode == 0, QJsonDocument(report).toJson().constData());
        QCOMPARE(count(report, "matched"), 20);
        QCOMPARE(count(report, "reordered"), 9);
    }
};

QTEST_GUILESS_MAIN(TestCheckEdges)
#include "tst_checkedges.moc"
