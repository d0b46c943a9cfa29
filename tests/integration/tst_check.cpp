// SPDX-License-Identifier: MIT
// `dualscope-cli check` end to end against the sandbox, with traffic the test
// writes itself: raw librdkafka records and raw PUBLISH commands, defects included.
#include "checkrun.h"
#include "event/event.h"
#include "kafka/kafkaconfig.h"
#include "peers.h"
#include "rawproducer.h"
#include "redis/redisconnection.h"
#include "redis/redisurl.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <librdkafka/rdkafka.h>

using namespace dualscope;
using namespace dualscope::testing;

class TestCheck final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set"); }

    void everyDeliberateDefectIsFoundExactly()
    {
        // given a sandbox and a running check
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY2(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("2"),
                                   QStringLiteral("--grace-ms"), QStringLiteral("3000"),
                                   QStringLiteral("--late-ms"), QStringLiteral("1000")}),
                 check.output().constData());

        // when 200 events reach Kafka, plus 3 records that are not JSON
        RawProducer kafka(box.kafkaBootstrap());
        for (int i = 0; i < 200; ++i) {
            const QByteArray source = "u" + QByteArray::number(i % 7);
            QVERIFY(kafka.produce(source, eventJson("e-" + QByteArray::number(i), source)));
        }
        for (int i = 0; i < 3; ++i)
            QVERIFY(kafka.produce("x", "this is not json " + QByteArray::number(i)));
        QVERIFY(kafka.flush());

        // and their notifications go out with defects
        RawPublisher redis(box.redisUrl());
        for (int i = 0; i < 200; ++i) {
            const QByteArray id = "e-" + QByteArray::number(i);
            const QByteArray source = "u" + QByteArray::number(i % 7);
            const QByteArray channel = "events:user:" + source;
            if (i < 10)
                continue; // missing: e-0..e-9
            if (i >= 25 && i < 28)
                continue; // late: sent below, after a pause
            if (i >= 15 && i < 20) {
                redis.publish("events:wrong:" + source, notificationJson(id, source));
                continue; // wrong_channel: e-15..e-19
            }
            if (i >= 20 && i < 25) { // oversized: the full event as notification
                redis.publish(channel, eventJson(id, source));
                continue;
            }
            redis.publish(channel, notificationJson(id, source));
            if (i >= 10 && i < 15)
                redis.publish(channel, notificationJson(id, source)); // duplicate: e-10..e-14
        }
        for (int i = 0; i < 7; ++i) // orphans: ids Kafka never had
            redis.publish("events:user:u1", notificationJson("o-" + QByteArray::number(i), "u1"));
        QVERIFY(redis.flush());
        QTest::qWait(1500);
        for (int i = 25; i < 28; ++i)
            redis.publish(
                "events:user:u" + QByteArray::number(i % 7),
                notificationJson("e-" + QByteArray::number(i), "u" + QByteArray::number(i % 7)));
        QVERIFY(redis.flush());

        // then check exits 1 and the report's counts are exactly right
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QVERIFY2(!report.isEmpty(), check.output().constData());
        QCOMPARE(count(report, "kafka_records"), 203);
        QCOMPARE(count(report, "redis_notifications"), 190 + 5 + 7);
        QCOMPARE(count(report, "matched"), 185);
        QCOMPARE(count(report, "missing"), 10);
        QCOMPARE(count(report, "wrong_channel"), 5);
        QCOMPARE(count(report, "duplicate"), 5);
        QCOMPARE(count(report, "oversized"), 5);
        QCOMPARE(count(report, "orphan"), 7);
        QCOMPARE(count(report, "unparseable"), 3);
        QCOMPARE(count(report, "late"), 3);
        QCOMPARE(count(report, "unobserved"), 0);
        // and the missing ids are exactly e-0..e-9, each with its Kafka position
        QSet<QString> missing;
        for (const QJsonValue &gap : report.value(QLatin1String("gaps")).toArray()) {
            const QJsonObject object = gap.toObject();
            if (object.value(QLatin1String("kind")).toString() != QLatin1String("missing"))
                continue;
            missing.insert(object.value(QLatin1String("id")).toString());
            QVERIFY(object.value(QLatin1String("offset")).toInteger(-1) >= 0);
            QVERIFY(object.value(QLatin1String("partition")).toInteger(-1) >= 0);
        }
        QSet<QString> expected;
        for (int i = 0; i < 10; ++i)
            expected.insert(QStringLiteral("e-%1").arg(i));
        QCOMPARE(missing, expected);
        // and the JUnit report names the kinds with failures
        const QByteArray junit = check.junit();
        QVERIFY2(junit.contains("<testsuite") && junit.contains("missing"), junit.constData());
        QVERIFY(junit.contains("<failure"));
    }

    void cleanTrafficHasNoGaps()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("2")}));
        // when our own publisher sends 2,000 events over 20 sources
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                       box.redisUrl(), QStringLiteral("--count"), QStringLiteral("2000"),
                       QStringLiteral("--sources"), QStringLiteral("20")});
        QVERIFY(ended(publish, 60'000));
        QCOMPARE(publish.exitCode(), 0);
        // then every gap count is 0 and the exit code is 0
        QCOMPARE(check.finish(), 0);
        const QJsonObject report = check.report();
        QCOMPARE(count(report, "matched"), 2000);
        for (const char *kind : {"missing", "orphan", "wrong_channel", "duplicate", "late",
                                 "oversized", "unparseable", "unobserved"})
            QVERIFY2(count(report, kind) == 0, kind);
        const QJsonObject latency = report.value(QLatin1String("latency_ms")).toObject();
        QVERIFY(latency.value(QLatin1String("p99")).toDouble() >=
                latency.value(QLatin1String("p50")).toDouble());
        const QJsonObject window = report.value(QLatin1String("window")).toObject();
        QCOMPARE(window.value(QLatin1String("topic")).toString(), QStringLiteral("events"));
        QVERIFY(!window.value(QLatin1String("partitions")).toArray().isEmpty());
    }

    void redisRestartedMidCheckMakesUnobservedNotMissing()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("3"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("1500")}));
        // when events flow at 500/s for 4 s and Redis is down from 1 s to 2 s
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                       box.redisUrl(), QStringLiteral("--count"), QStringLiteral("2000"),
                       QStringLiteral("--rate"), QStringLiteral("500"), QStringLiteral("--sources"),
                       QStringLiteral("5"), QStringLiteral("--json")});
        QTest::qWait(1000);
        QVERIFY(box.setRedisDown(true, &error));
        QTest::qWait(1000);
        QVERIFY2(box.setRedisDown(false, &error), qPrintable(error));
        QVERIFY(ended(publish, 60'000));
        const QJsonObject published =
            QJsonDocument::fromJson(publish.readAllStandardOutput()).object();
        const qint64 skipped = published.value(QLatin1String("redis_skipped")).toInteger(-1);
        const qint64 sent = published.value(QLatin1String("redis_sent")).toInteger(-1);
        // (a PUBLISH written as Redis went down has no reply: failed, not sent)
        const qint64 failed = published.value(QLatin1String("redis_failed")).toInteger(-1);
        QCOMPARE(skipped + sent + failed, 2000);
        // then the check accounts for every event, with one outage of its own
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        const qint64 matched = count(report, "matched");
        const qint64 unobserved = count(report, "unobserved");
        const qint64 missing = count(report, "missing");
        QCOMPARE(matched + unobserved + missing, 2000);
        QVERIFY(unobserved > 100);
        const QJsonArray outages = report.value(QLatin1String("window"))
                                       .toObject()
                                       .value(QLatin1String("redis_outages"))
                                       .toArray();
        QCOMPARE(outages.size(), 1);
        // and what is missing is exactly what the facts allow: a notification the
        // publisher skipped or lost (it reconnected after the checker did), for an event
        // stamped after the checker's own outage ended - never one it could not see
        QVERIFY2(missing <= skipped + failed, qPrintable(QString::number(missing)));
        QVERIFY(matched <= sent);
        qint64 outageEnd = 0;
        QVERIFY(event::parseTimestamp(
            outages.first().toObject().value(QLatin1String("end")).toString().toUtf8(),
            &outageEnd));
        for (const QJsonValue &value : report.value(QLatin1String("gaps")).toArray()) {
            const QJsonObject gap = value.toObject();
            if (gap.value(QLatin1String("kind")).toString() != QLatin1String("missing"))
                continue;
            qint64 kafkaTs = 0;
            QVERIFY(event::parseTimestamp(gap.value(QLatin1String("kafka_ts")).toString().toUtf8(),
                                          &kafkaTs));
            QVERIFY2(kafkaTs > outageEnd, qPrintable(gap.value(QLatin1String("id")).toString()));
        }
    }

    void redisUnreachableAtStartIsAnOutageThenWatched()
    {
        // given a sandbox whose Redis is down when the check starts
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QVERIFY2(box.setRedisDown(true, &error), qPrintable(error));
        CheckRun check;
        // (idle for 8 s ends it: the gaps between the steps below, a CLI start among
        // them, must not close the window on a loaded machine)
        check.launch(box, {QStringLiteral("--until-idle"), QStringLiteral("8"),
                           QStringLiteral("--grace-ms"), QStringLiteral("1000")});
        // then it warns and goes on with Kafka, without READY
        QVERIFY2(check.waitForOutput("could not be reached when the watch started", 20'000),
                 check.output().constData());
        QVERIFY(!check.sawOutput("READY"));
        // when 200 events reach Kafka while Redis is still away
        RawProducer kafka(box.kafkaBootstrap());
        for (int i = 0; i < 200; ++i)
            QVERIFY(kafka.produce("u1", eventJson("early-" + QByteArray::number(i), "u1")));
        QVERIFY(kafka.flush());
        QTest::qWait(1500);
        // and Redis comes, and 300 events are published the dual way
        QVERIFY2(box.setRedisDown(false, &error), qPrintable(error));
        QVERIFY2(check.waitForOutput("READY\n", 20'000), check.output().constData());
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                       box.redisUrl(), QStringLiteral("--count"), QStringLiteral("300")});
        QVERIFY(ended(publish, 60'000));
        QCOMPARE(publish.exitCode(), 0);
        // then the early events are unobserved with that cause, the later ones matched
        QCOMPARE(check.finish(), 1);
        const QJsonObject report = check.report();
        QCOMPARE(count(report, "unobserved"), 200);
        QCOMPARE(count(report, "matched"), 300);
        QCOMPARE(count(report, "missing"), 0);
        const QJsonArray outages = report.value(QLatin1String("window"))
                                       .toObject()
                                       .value(QLatin1String("redis_outages"))
                                       .toArray();
        QCOMPARE(outages.size(), 1);
        QVERIFY(outages.first()
                    .toObject()
                    .value(QLatin1String("cause"))
                    .toString()
                    .contains(QLatin1String("could not be reached")));
    }

    void redisNeverReachedIsAnError()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QVERIFY2(box.setRedisDown(true, &error), qPrintable(error));
        CheckRun check;
        check.launch(box, {QStringLiteral("--duration"), QStringLiteral("2")});
        QCOMPARE(check.finish(30'000), 2);
        QVERIFY2(check.output().contains("Redis was never reached during the window"),
                 check.output().constData());
    }

    void laggingKafkaTailMakesNoFalseOrphans()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        // (acks=all through brokers 800 ms away take a few seconds: a grace window that
        // allows for it, so that only the orphan judgement is under test)
        QVERIFY(check.start(box, {QStringLiteral("--until-idle"), QStringLiteral("3"),
                                  QStringLiteral("--grace-ms"), QStringLiteral("8000"),
                                  QStringLiteral("--late-ms"), QStringLiteral("8000")}));
        // when every broker answers 800 ms late, so the notifications (sent once Kafka
        // acknowledged, as the contract says) reach the check long before its Kafka
        // tail fetches the records
        QVERIFY(box.kafka().setBrokerRtt(-1, 800, &error));
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                       box.redisUrl(), QStringLiteral("--count"), QStringLiteral("300")});
        QVERIFY(ended(publish, 60'000));
        QCOMPARE(publish.exitCode(), 0);
        QVERIFY(box.kafka().setBrokerRtt(-1, 0, &error));
        // then nothing is an orphan: Kafka lag is normal
        const int exitCode = check.finish();
        const QJsonObject report = check.report();
        QVERIFY2(
            exitCode == 0,
            QJsonDocument(report.value(QLatin1String("counts")).toObject()).toJson().constData());
        QCOMPARE(count(report, "orphan"), 0);
        QCOMPARE(count(report, "matched"), 300);
    }

    void badInputIsAClearError_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("malformed pattern")
            << QStringList{QStringLiteral("--pattern"), QStringLiteral("events:[x")}
            << "never closed";
        QTest::newRow("bad pointer")
            << QStringList{QStringLiteral("--id-pointer"), QStringLiteral("id")} << "pointer";
        QTest::newRow("bad from") << QStringList{QStringLiteral("--from"),
                                                 QStringLiteral("yesterday")}
                                  << "--from takes";
        QTest::newRow("bad grace")
            << QStringList{QStringLiteral("--grace-ms"), QStringLiteral("0")} << "--grace-ms";
    }
    void badInputIsAClearError()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QProcess process;
        process.start(cliPath(),
                      QStringList{QStringLiteral("check"), QStringLiteral("--kafka"),
                                  QStringLiteral("127.0.0.1:1"), QStringLiteral("--redis"),
                                  QStringLiteral("redis://127.0.0.1:1")} +
                          arguments);
        QVERIFY(ended(process, 20'000));
        QCOMPARE(process.exitCode(), 2);
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(QString::fromUtf8(err).contains(message), err.constData());
    }

    void unreachablePeersAreAnErrorNotAHang()
    {
        QProcess process;
        process.start(cliPath(), {QStringLiteral("check"), QStringLiteral("--kafka"),
                                  QStringLiteral("127.0.0.1:1"), QStringLiteral("--redis"),
                                  QStringLiteral("redis://127.0.0.1:1"),
                                  QStringLiteral("--duration"), QStringLiteral("60")});
        QVERIFY(ended(process, 30'000));
        QCOMPARE(process.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestCheck)
#include "tst_check.moc"
