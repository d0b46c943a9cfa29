// SPDX-License-Identifier: MIT
// `dualscope-cli replay` end to end against the sandbox: records written raw with
// librdkafka, the re-sent notifications seen by an independent redis-cli
// subscriber, the report made by a real `dualscope-cli check`.
#include "event/event.h"
#include "kafka/kafkaconfig.h"
#include "peers.h"
#include "rawproducer.h"
#include "redis/redisconnection.h"
#include "redis/redisurl.h"
#include "sandbox/sandbox.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <librdkafka/rdkafka.h>

using namespace dualscope;
using dualscope::testing::RawProducer;
using dualscope::testing::RedisCliSubscriber;
using dualscope::testing::RedisMessage;

namespace {

QString cliPath()
{
    return qEnvironmentVariable("DUALSCOPE_CLI");
}

QByteArray sourceOf(int i)
{
    return "u" + QByteArray::number(i % 7);
}

QByteArray eventJson(const QByteArray &id, const QByteArray &sourceId)
{
    return R"({"id":")" + id + R"(","type":"order.created","source_type":"user","source_id":")" +
           sourceId + R"(","timestamp":"2026-11-27T15:04:05.123Z","payload":{"amount":3}})";
}

// Events prefix-0 .. prefix-(count-1) over 7 sources, every ack waited for.
bool produceEvents(RawProducer &kafka, const QByteArray &prefix, int count)
{
    for (int i = 0; i < count; ++i) {
        if (!kafka.produce(sourceOf(i), eventJson(prefix + QByteArray::number(i), sourceOf(i))))
            return false;
    }
    return kafka.flush();
}

struct CliRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QByteArray all() const { return out + err; }
};

CliRun runCli(const QStringList &arguments, int timeoutMs = 60'000)
{
    QProcess process;
    process.start(cliPath(), arguments);
    CliRun run;
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(2000);
    } else if (process.exitStatus() == QProcess::NormalExit) {
        run.exitCode = process.exitCode();
    }
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

CliRun replay(const sandbox::Sandbox &box, const QStringList &extra)
{
    return runCli(QStringList{QStringLiteral("replay"), QStringLiteral("--kafka"),
                              QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                              box.redisUrl()} +
                  extra);
}

quint16 redisPort(const sandbox::Sandbox &box)
{
    return quint16(QUrl(box.redisUrl()).port());
}

// Every message the subscriber sees: waits for `expected`, then a little longer
// so that an extra copy would be seen too.
QList<RedisMessage> settledMessages(RedisCliSubscriber &subscriber, qsizetype expected)
{
    subscriber.messages(expected, 15'000);
    return subscriber.messages(expected + 1, 700);
}

QSet<QByteArray> idsOf(const QList<RedisMessage> &messages)
{
    QSet<QByteArray> ids;
    for (const RedisMessage &message : messages)
        ids.insert(QJsonDocument::fromJson(message.payload)
                       .object()
                       .value(QLatin1String("id"))
                       .toString()
                       .toUtf8());
    return ids;
}

QSet<QByteArray> idRange(const QByteArray &prefix, int first, int count)
{
    QSet<QByteArray> ids;
    for (int i = first; i < first + count; ++i)
        ids.insert(prefix + QByteArray::number(i));
    return ids;
}

// A `check` child that reports to report.json once idle.
class CheckRun
{
public:
    bool start(const sandbox::Sandbox &box)
    {
        m_reportPath = m_dir.filePath(QStringLiteral("report.json"));
        m_process.start(cliPath(),
                        {QStringLiteral("check"), QStringLiteral("--kafka"),
                         QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                         box.redisUrl(), QStringLiteral("--until-idle"), QStringLiteral("2"),
                         QStringLiteral("--grace-ms"), QStringLiteral("1500"),
                         QStringLiteral("--report"), m_reportPath});
        const QDeadlineTimer deadline(20'000);
        while (!deadline.hasExpired() && !m_out.contains("READY\n") &&
               m_process.state() != QProcess::NotRunning) {
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
        }
        return m_out.contains("READY\n");
    }
    int finish()
    {
        if (!m_process.waitForFinished(60'000))
            return -1;
        m_out += m_process.readAllStandardOutput() + m_process.readAllStandardError();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }
    QString reportPath() const { return m_reportPath; }
    QByteArray output() const { return m_out; }

private:
    QTemporaryDir m_dir;
    QString m_reportPath;
    QProcess m_process;
    QByteArray m_out;
};

} // namespace

class TestReplay final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set");
        QVERIFY(m_files.isValid());
        const std::pair<const char *, QByteArray> files[] = {
            {"plain.json", R"({"a":1})"},
            {"notjson.json", "this is not json"},
            {"future.json", R"({"format":"dualscope-check-report/9"})"},
        };
        for (const auto &[name, content] : files) {
            QFile file(m_files.filePath(QLatin1String(name)));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        }
    }

    void fromOffsetResendsEveryNotificationOnItsChannel()
    {
        // given a sandbox whose topic holds 100 events over 7 sources
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        RawProducer kafka(box.kafkaBootstrap());
        QVERIFY(produceEvents(kafka, "e-", 100));
        // and an independent subscriber
        RedisCliSubscriber subscriber;
        QVERIFY(subscriber.start(redisPort(box), "events:*"));

        // when replaying from offset 0 of every partition
        const CliRun run = replay(box, {QStringLiteral("--from"), QStringLiteral("0")});

        // then exactly the 100 notifications go out, each on its channel, ids only
        QVERIFY2(run.exitCode == 0, run.all().constData());
        QVERIFY2(run.out.contains("replayed 100 notifications: sent 100, failed 0, skipped 0"),
                 run.all().constData());
        const QList<RedisMessage> messages = settledMessages(subscriber, 100);
        QCOMPARE(messages.size(), 100);
        QCOMPARE(idsOf(messages), idRange("e-", 0, 100));
        for (const RedisMessage &message : messages) {
            const QJsonObject object = QJsonDocument::fromJson(message.payload).object();
            QCOMPARE(object.keys(), (QStringList{QStringLiteral("id"), QStringLiteral("source_id"),
                                                 QStringLiteral("type")}));
            QCOMPARE(message.channel,
                     "events:user:" + object.value(QLatin1String("source_id")).toString().toUtf8());
            QCOMPARE(object.value(QLatin1String("type")).toString(),
                     QStringLiteral("order.created"));
        }

        // when replaying offsets 1..3 of one partition (read back by kcat, not by us)
        const QList<testing::KafkaRecord> records =
            testing::kcatConsumeAll(box.kafkaBootstrap(), "events");
        QCOMPARE(records.size(), 100);
        QHash<qint32, int> perPartition;
        for (const testing::KafkaRecord &record : records)
            ++perPartition[record.partition];
        qint32 partition = -1;
        for (auto it = perPartition.cbegin(); it != perPartition.cend(); ++it)
            if (it.value() >= 5)
                partition = it.key();
        QVERIFY(partition >= 0);
        QSet<QByteArray> expected;
        for (const testing::KafkaRecord &record : records)
            if (record.partition == partition && record.offset >= 1 && record.offset <= 3)
                expected.insert(QJsonDocument::fromJson(record.value)
                                    .object()
                                    .value(QLatin1String("id"))
                                    .toString()
                                    .toUtf8());
        QCOMPARE(expected.size(), 3);
        RedisCliSubscriber bounded;
        QVERIFY(bounded.start(redisPort(box), "events:*"));
        const CliRun part = replay(box, {QStringLiteral("--partition"), QString::number(partition),
                                         QStringLiteral("--from"), QStringLiteral("1"),
                                         QStringLiteral("--to"), QStringLiteral("3")});

        // then --to bounds it: exactly those three
        QVERIFY2(part.exitCode == 0, part.all().constData());
        QVERIFY2(part.out.contains("replayed 3 notifications: sent 3"), part.all().constData());
        const QList<RedisMessage> three = settledMessages(bounded, 3);
        QCOMPARE(three.size(), 3);
        QCOMPARE(idsOf(three), expected);
    }

    void fromTimeResendsOnlyTheLaterEvents()
    {
        // given 30 events, a pause, then 20 more
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        RawProducer kafka(box.kafkaBootstrap());
        QVERIFY(produceEvents(kafka, "a-", 30));
        QTest::qWait(1000);
        const qint64 between = QDateTime::currentMSecsSinceEpoch();
        QTest::qWait(1000);
        QVERIFY(produceEvents(kafka, "b-", 20));

        // when replaying from the time between the groups (ISO 8601)
        RedisCliSubscriber later;
        QVERIFY(later.start(redisPort(box), "events:*"));
        const CliRun run = replay(
            box, {QStringLiteral("--from"), QString::fromLatin1(event::formatTimestamp(between))});

        // then only the later 20 are re-sent
        QVERIFY2(run.exitCode == 0, run.all().constData());
        QVERIFY2(run.out.contains("replayed 20 notifications: sent 20"), run.all().constData());
        const QList<RedisMessage> laterMessages = settledMessages(later, 20);
        QCOMPARE(laterMessages.size(), 20);
        QCOMPARE(idsOf(laterMessages), idRange("b-", 0, 20));

        // when replaying from offset 0 up to that time (epoch milliseconds)
        RedisCliSubscriber earlier;
        QVERIFY(earlier.start(redisPort(box), "events:*"));
        const CliRun bounded = replay(box, {QStringLiteral("--from"), QStringLiteral("0"),
                                            QStringLiteral("--to"), QString::number(between)});

        // then --to bounds it: only the first 30
        QVERIFY2(bounded.exitCode == 0, bounded.all().constData());
        QVERIFY2(bounded.out.contains("replayed 30 notifications: sent 30"),
                 bounded.all().constData());
        const QList<RedisMessage> earlierMessages = settledMessages(earlier, 30);
        QCOMPARE(earlierMessages.size(), 30);
        QCOMPARE(idsOf(earlierMessages), idRange("a-", 0, 30));
    }

    void reportResendsExactlyTheMissingIds()
    {
        // given a check that sees 60 events of which 9 lack their notification
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        CheckRun check;
        QVERIFY2(check.start(box), check.output().constData());
        RawProducer kafka(box.kafkaBootstrap());
        QVERIFY(produceEvents(kafka, "e-", 60));
        redis::RedisConnection::Options options;
        options.url = *redis::RedisUrl::parse(box.redisUrl());
        redis::RedisConnection redis(options);
        QSignalSpy ready(&redis, &redis::RedisConnection::ready);
        redis.start();
        QVERIFY(ready.wait(5000));
        QList<QList<QByteArray>> commands;
        QSet<QByteArray> missing;
        for (int i = 0; i < 60; ++i) {
            const QByteArray id = "e-" + QByteArray::number(i);
            if (i % 7 == 3) { // e-3, e-10, ... e-59: 9 missing
                missing.insert(id);
                continue;
            }
            commands.append({"PUBLISH", "events:user:" + sourceOf(i),
                             R"({"id":")" + id + R"(","type":"order.created","source_id":")" +
                                 sourceOf(i) + R"("})"});
        }
        int replies = 0;
        const int expectedReplies = int(commands.size());
        QVERIFY(redis.sendPipeline(commands, [&](const redis::RespReply &) { ++replies; }));
        QVERIFY(QTest::qWaitFor([&] { return replies == expectedReplies; }, 10'000));
        QCOMPARE(check.finish(), 1);
        QFile reportFile(check.reportPath());
        QVERIFY(reportFile.open(QIODevice::ReadOnly));
        const QJsonObject report = QJsonDocument::fromJson(reportFile.readAll()).object();
        QCOMPARE(report.value(QLatin1String("counts"))
                     .toObject()
                     .value(QLatin1String("missing"))
                     .toInteger(),
                 qint64(missing.size()));

        // when the report is replayed
        RedisCliSubscriber subscriber;
        QVERIFY(subscriber.start(redisPort(box), "events:*"));
        const CliRun run = replay(box, {QStringLiteral("--report"), check.reportPath()});

        // then exactly the missing ids go out, on their channels
        QVERIFY2(run.exitCode == 0, run.all().constData());
        const QByteArray summary = "replayed " + QByteArray::number(missing.size()) +
                                   " notifications: sent " + QByteArray::number(missing.size());
        QVERIFY2(run.out.contains(summary), run.all().constData());
        const QList<RedisMessage> messages = settledMessages(subscriber, missing.size());
        QCOMPARE(messages.size(), missing.size());
        QCOMPARE(idsOf(messages), missing);
        for (const RedisMessage &message : messages) {
            const QByteArray id = QJsonDocument::fromJson(message.payload)
                                      .object()
                                      .value(QLatin1String("id"))
                                      .toString()
                                      .toUtf8();
            QCOMPARE(message.channel, "events:user:" + sourceOf(id.mid(2).toInt()));
        }
    }

    void badInputIsAUsageError_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString plain = m_files.filePath(QStringLiteral("plain.json"));
        QTest::newRow("plain JSON report")
            << QStringList{QStringLiteral("--report"), plain} << "not a Dualscope check report";
        QTest::newRow("report not JSON")
            << QStringList{QStringLiteral("--report"),
                           m_files.filePath(QStringLiteral("notjson.json"))}
            << "not a Dualscope check report: not valid JSON";
        QTest::newRow("report of another version")
            << QStringList{QStringLiteral("--report"),
                           m_files.filePath(QStringLiteral("future.json"))}
            << "unsupported Dualscope check report format";
        QTest::newRow("missing report")
            << QStringList{QStringLiteral("--report"),
                           m_files.filePath(QStringLiteral("nowhere.json"))}
            << "cannot open";
        QTest::newRow("both --from and --report")
            << QStringList{QStringLiteral("--from"), QStringLiteral("0"),
                           QStringLiteral("--report"), plain}
            << "it takes no --from";
        QTest::newRow("neither") << QStringList{} << "replay needs --from";
        QTest::newRow("bad --from")
            << QStringList{QStringLiteral("--from"), QStringLiteral("yesterday")}
            << "--from takes an offset";
        QTest::newRow("--to before --from")
            << QStringList{QStringLiteral("--from"), QStringLiteral("10"), QStringLiteral("--to"),
                           QStringLiteral("5")}
            << "--to 5 is before --from 10";
        QTest::newRow("bad pointer")
            << QStringList{QStringLiteral("--from"), QStringLiteral("0"),
                           QStringLiteral("--id-pointer"), QStringLiteral("id")}
            << "pointer";
    }
    void badInputIsAUsageError()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        // (peers that do not exist: these must fail before connecting)
        const CliRun run =
            runCli(QStringList{QStringLiteral("replay"), QStringLiteral("--kafka"),
                               QStringLiteral("127.0.0.1:1"), QStringLiteral("--redis"),
                               QStringLiteral("redis://127.0.0.1:1")} +
                       arguments,
                   20'000);
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(QString::fromUtf8(run.err).contains(message), run.err.constData());
    }

    void pastTheEndAndUnreachableRedisAreErrors()
    {
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        RawProducer kafka(box.kafkaBootstrap());
        QVERIFY(produceEvents(kafka, "e-", 20));

        // when the offset is past the end of every partition
        const CliRun past = replay(box, {QStringLiteral("--from"), QStringLiteral("999999999")});
        // then it is an error that says so, and nothing is sent
        QCOMPARE(past.exitCode, 2);
        QVERIFY2(past.err.contains("offset 999999999 is past the end"), past.err.constData());

        // when one partition is asked for, the message names it with its watermark
        const CliRun one = replay(box, {QStringLiteral("--partition"), QStringLiteral("0"),
                                        QStringLiteral("--from"), QStringLiteral("999999999")});
        QCOMPARE(one.exitCode, 2);
        QVERIFY2(one.err.contains("offset 999999999 is past the end of events[0] (high watermark"),
                 one.err.constData());

        // when Redis cannot be reached
        QElapsedTimer clock;
        clock.start();
        const CliRun noRedis = runCli(
            {QStringLiteral("replay"), QStringLiteral("--kafka"),
             QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
             QStringLiteral("redis://127.0.0.1:1"), QStringLiteral("--from"), QStringLiteral("0")},
            30'000);
        // then it is a connection error naming the server, not a hang
        QCOMPARE(noRedis.exitCode, 2);
        QVERIFY2(noRedis.err.contains("127.0.0.1:1"), noRedis.err.constData());
        QVERIFY(clock.elapsed() < 20'000);
    }

private:
    QTemporaryDir m_files;
};

QTEST_GUILESS_MAIN(TestReplay)
#include "tst_replay.moc"
