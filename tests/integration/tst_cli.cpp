// SPDX-License-Identifier: MIT
// dualscope-cli end to end, as scripts use it: output lines, exit codes, signals.
#include "clirun.h"
#include "peers.h"
#include "sandbox/redisserverprocess.h"
#include "sandbox/sandbox.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace dualscope;
using namespace dualscope::testing;

class TestCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set"); }

    void sandboxPrintsAddressesThenReadyAndStopsOnSigterm()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        QVERIFY(sandbox.redis.startsWith("redis://127.0.0.1:"));
        QCOMPARE(sandbox.kafka.split(',').size(), 3);
        const quint16 port = sandbox.redisPort();
        QVERIFY(portAnswers(port));
        // when SIGTERM arrives, it exits 0 and redis-server is gone
        sandbox.process().terminate();
        QVERIFY(ended(sandbox.process(), 10'000));
        QCOMPARE(sandbox.process().exitCode(), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!portAnswers(port), 5000);
    }

    void redisServerDiesWithAKilledSandbox()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        const quint16 port = sandbox.redisPort();
        QVERIFY(portAnswers(port));
        // when the CLI is killed outright (no handler runs), PR_SET_PDEATHSIG still
        // takes the redis-server child down
        sandbox.process().kill();
        sandbox.process().waitForFinished();
        QTRY_VERIFY_WITH_TIMEOUT(!portAnswers(port), 5000);
    }

    void publishIntoTheSandbox()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        testing::RedisCliSubscriber subscriber;
        QVERIFY(subscriber.start(sandbox.redisPort(), "events:*"));
        const CliResult result = runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka"), QString::fromUtf8(sandbox.kafka),
             QStringLiteral("--redis"), QString::fromUtf8(sandbox.redis), QStringLiteral("--count"),
             QStringLiteral("300"), QStringLiteral("--sources"), QStringLiteral("7"),
             QStringLiteral("--source-type"), QStringLiteral("repo"), QStringLiteral("--type"),
             QStringLiteral("push")});
        QVERIFY2(result.exitCode == 0, result.err.constData());
        QVERIFY2(result.out.contains("requested 300, kafka acked 300, kafka failed 0, redis sent "
                                     "300, redis skipped 0, redis failed 0"),
                 result.out.constData());
        const QList<testing::KafkaRecord> records =
            testing::kcatConsumeAll(sandbox.kafka, "events");
        QCOMPARE(records.size(), 300);
        QVERIFY(records.first().value.contains("\"type\":\"push\""));
        const QList<testing::RedisMessage> messages = subscriber.messages(300, 10'000);
        QCOMPARE(messages.size(), 300);
        QVERIFY2(messages.first().channel.startsWith("events:repo:"),
                 messages.first().channel.constData());
    }

    void publishJsonSummaryAndEnvironmentDefaults()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DUALSCOPE_KAFKA"), QString::fromUtf8(sandbox.kafka));
        env.insert(QStringLiteral("DUALSCOPE_REDIS"), QString::fromUtf8(sandbox.redis));
        const CliResult result =
            runCli({QStringLiteral("publish"), QStringLiteral("--count"), QStringLiteral("200"),
                    QStringLiteral("--rate"), QStringLiteral("500"), QStringLiteral("--json")},
                   60'000, env);
        QVERIFY2(result.exitCode == 0, result.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(summary.value(QLatin1String("kafka_acked")).toInt(), 200);
        QCOMPARE(summary.value(QLatin1String("redis_sent")).toInt(), 200);
        // 200 events at 500/s: the first 50 (the default burst, 100 ms worth) at once,
        // the other 150 paced over 0.3 s
        QVERIFY2(summary.value(QLatin1String("elapsed_s")).toDouble() >= 0.28,
                 result.out.constData());
    }

    void publishExitsOneWhenEventsFail()
    {
        // Exit 1: some events did not reach Kafka (a source id the channel template refuses).
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        const CliResult result = runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka"), QString::fromUtf8(sandbox.kafka),
             QStringLiteral("--redis"), QString::fromUtf8(sandbox.redis), QStringLiteral("--count"),
             QStringLiteral("5"), QStringLiteral("--source-id"), QStringLiteral("bad*id")});
        QCOMPARE(result.exitCode, 1);
        QVERIFY2(result.out.contains("kafka failed 5"), result.out.constData());
    }

    void redisDownAtStartKafkaGoesOn()
    {
        // given a sandbox whose Redis is down before the publisher starts
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QVERIFY2(box.setRedisDown(true, &error), qPrintable(error));
        // when 1,000 events are published
        const CliResult result = runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka"),
             QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"), box.redisUrl(),
             QStringLiteral("--count"), QStringLiteral("1000"), QStringLiteral("--json")});
        // then it exits 0: every event reached Kafka, every notification was skipped
        QVERIFY2(result.exitCode == 0, result.err.constData());
        const QJsonObject summary = QJsonDocument::fromJson(result.out).object();
        QCOMPARE(summary.value(QLatin1String("kafka_acked")).toInt(), 1000);
        QCOMPARE(summary.value(QLatin1String("redis_skipped")).toInt(), 1000);
        QCOMPARE(summary.value(QLatin1String("redis_sent")).toInt(), 0);
        // and one warning said so, and kcat finds every event in the topic
        const QList<QByteArray> lines = result.err.trimmed().split('\n');
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines.first().contains("Redis is unreachable") &&
                     lines.first().contains("notifications are skipped"),
                 result.err.constData());
        QCOMPARE(testing::kcatConsumeAll(box.kafkaBootstrap(), "events").size(), 1000);
    }

    void redisThatComesUpMidRunIsPickedUp()
    {
        // given a sandbox whose Redis is down at start
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QVERIFY2(box.setRedisDown(true, &error), qPrintable(error));
        // when a 3 s run starts and Redis comes back after a second
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"),
                       box.redisUrl(), QStringLiteral("--count"), QStringLiteral("1500"),
                       QStringLiteral("--rate"), QStringLiteral("500"), QStringLiteral("--json")});
        QVERIFY(publish.waitForStarted());
        QTest::qWait(1000);
        QVERIFY2(box.setRedisDown(false, &error), qPrintable(error));
        testing::RedisCliSubscriber subscriber;
        QVERIFY(subscriber.start(box.redis().port(), "events:*"));
        QVERIFY(ended(publish, 30'000));
        // then the background reconnect picked it up: some notifications skipped, the
        // later ones sent, and each event has exactly one of the two
        QCOMPARE(publish.exitCode(), 0);
        const QJsonObject summary =
            QJsonDocument::fromJson(publish.readAllStandardOutput()).object();
        const int sent = summary.value(QLatin1String("redis_sent")).toInt();
        const int skipped = summary.value(QLatin1String("redis_skipped")).toInt();
        QVERIFY2(skipped > 0 && sent > 0,
                 qPrintable(QStringLiteral("sent %1 skipped %2").arg(sent).arg(skipped)));
        QCOMPARE(sent + skipped, 1500);
        QCOMPARE(summary.value(QLatin1String("kafka_acked")).toInt(), 1500);
        // (redis-cli subscribed after Redis came back: it sees at most what was sent)
        QVERIFY(subscriber.messages(sent, 10'000).size() <= sent);
        const QByteArray err = publish.readAllStandardError();
        QVERIFY2(err.contains("Redis is unreachable") && err.contains("Redis is back"),
                 err.constData());
    }

    void aWrongRedisPasswordIsStillAConfigurationError()
    {
        sandbox::SandboxOptions options;
        options.redisPassword = QStringLiteral("right-password");
        sandbox::Sandbox box(options);
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QString url = box.redisUrl();
        url.replace(QLatin1String("redis://"), QLatin1String("redis://:wrong-password@"));
        const CliResult result =
            runCli({QStringLiteral("publish"), QStringLiteral("--kafka"),
                    QString::fromUtf8(box.kafkaBootstrap()), QStringLiteral("--redis"), url});
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("refused AUTH"), result.err.constData());
        QVERIFY(!result.err.contains("wrong-password"));
        QVERIFY(testing::kcatConsumeAll(box.kafkaBootstrap(), "events").isEmpty());
    }

    void kafkaFailuresAreGroupedByReason()
    {
        // given a sandbox and a template whose events are 2 MB
        sandbox::Sandbox box;
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("big.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"type\":\"t\",\"payload\":{\"blob\":\"" + QByteArray(2'000'000, 'a') +
                   "\"}}");
        file.close();
        const QStringList connection{QStringLiteral("publish"),
                                     QStringLiteral("--kafka"),
                                     QString::fromUtf8(box.kafkaBootstrap()),
                                     QStringLiteral("--redis"),
                                     box.redisUrl(),
                                     QStringLiteral("--json")};
        // when they are published, then the summary says why they failed, with the limit
        CliResult result = runCli(connection + QStringList{QStringLiteral("--count=3"),
                                                           QStringLiteral("--template"), path});
        QCOMPARE(result.exitCode, 1);
        QJsonObject summary = QJsonDocument::fromJson(result.out).object();
        QJsonArray reasons = summary.value(QLatin1String("kafka_failures")).toArray();
        QCOMPARE(reasons.size(), 1);
        QJsonObject reason = reasons.first().toObject();
        QCOMPARE(reason.value(QLatin1String("code")).toString(), QStringLiteral("EVENT_TOO_LARGE"));
        QCOMPARE(reason.value(QLatin1String("count")).toInt(), 3);
        QVERIFY2(reason.value(QLatin1String("text"))
                     .toString()
                     .contains(QLatin1String("message.max.bytes = 1000000")),
                 result.out.constData());
        // and a source id the channel template refuses says that
        result = runCli(connection + QStringList{QStringLiteral("--count=4"),
                                                 QStringLiteral("--source-id=a*b")});
        QCOMPARE(result.exitCode, 1);
        reason = QJsonDocument::fromJson(result.out)
                     .object()
                     .value(QLatin1String("kafka_failures"))
                     .toArray()
                     .first()
                     .toObject();
        QCOMPARE(reason.value(QLatin1String("code")).toString(), QStringLiteral("NO_CHANNEL"));
        QVERIFY(reason.value(QLatin1String("example")).toString().contains(QLatin1String("glob")));
        // and a full local queue while the cluster is slow (1 s a round trip: start-up
        // still fits its 5 s) says it was full, and for how long
        for (int broker = 1; broker <= 3; ++broker)
            QVERIFY(box.kafka().setBrokerRtt(broker, 1000, &error));
        result =
            runCli(connection + QStringList{QStringLiteral("--count=300"), QStringLiteral("-X"),
                                            QStringLiteral("queue.buffering.max.messages=20"),
                                            QStringLiteral("--enqueue-timeout-ms=300")});
        QCOMPARE(result.exitCode, 1);
        summary = QJsonDocument::fromJson(result.out).object();
        reasons = summary.value(QLatin1String("kafka_failures")).toArray();
        bool queueFull = false;
        qint64 failedInReasons = 0;
        for (const QJsonValue &value : reasons) {
            const QJsonObject r = value.toObject();
            failedInReasons += r.value(QLatin1String("count")).toInteger();
            if (r.value(QLatin1String("code")).toString() == QLatin1String("_QUEUE_FULL")) {
                queueFull = true;
                QVERIFY2(r.value(QLatin1String("text"))
                             .toString()
                             .contains(QLatin1String("stayed full for 300 ms")),
                         result.out.constData());
            }
        }
        QVERIFY2(queueFull, result.out.constData());
        // and the outcomes add up: acked + possibly persisted + failed = requested, every
        // reason counted once
        const qint64 acked = summary.value(QLatin1String("kafka_acked")).toInteger();
        const qint64 possibly =
            summary.value(QLatin1String("kafka_possibly_persisted")).toInteger();
        const qint64 failed = summary.value(QLatin1String("kafka_failed")).toInteger();
        QCOMPARE(acked + possibly + failed, 300);
        QCOMPARE(failedInReasons, possibly + failed);
        QCOMPARE(summary.value(QLatin1String("kafka_ack_latency"))
                     .toObject()
                     .value(QLatin1String("count"))
                     .toInteger(),
                 acked);
    }

    void aPeerThatIsNotKafkaIsNamed_data()
    {
        QTest::addColumn<QByteArray>("greeting");
        QTest::addColumn<QString>("message");
        QTest::newRow("silent") << QByteArray() << "did not answer a Kafka request";
        QTest::newRow("talks") << QByteArray("HTTP/1.1 400 Bad Request\r\n\r\n")
                               << "did not answer like a Kafka broker (it sent \"HTTP/1.1 400";
    }
    void aPeerThatIsNotKafkaIsNamed()
    {
        QFETCH(QByteArray, greeting);
        QFETCH(QString, message);
        // given a port of a server that is not Kafka (silent, or answering in its own
        // protocol), served by this test's event loop
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QList<QTcpSocket *> clients;
        connect(&server, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *client = server.nextPendingConnection()) {
                clients.append(client);
                connect(client, &QTcpSocket::readyRead, client, [client, greeting] {
                    client->readAll();
                    if (!greeting.isEmpty())
                        client->write(greeting);
                });
            }
        });
        QProcess publish;
        publish.start(cliPath(),
                      {QStringLiteral("publish"), QStringLiteral("--kafka"),
                       QStringLiteral("127.0.0.1:%1").arg(server.serverPort()),
                       QStringLiteral("--redis"), QStringLiteral("redis://127.0.0.1:1")});
        // when publish gives up on it, then the error names the port and what it did
        QVERIFY(QTest::qWaitFor([&] { return publish.state() == QProcess::NotRunning; }, 30'000));
        QCOMPARE(publish.exitCode(), 2);
        const QByteArray err = publish.readAllStandardError();
        QVERIFY2(QString::fromUtf8(err).contains(message), err.constData());
        QVERIFY2(err.contains(QByteArray::number(server.serverPort())), err.constData());
        qDeleteAll(clients);
    }

    void tailRedisPrintsOneJsonObjectPerLine()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        QProcess tail;
        tail.start(cliPath(), {QStringLiteral("tail"), QStringLiteral("redis"),
                               QStringLiteral("--redis"), QString::fromUtf8(sandbox.redis),
                               QStringLiteral("--count"), QStringLiteral("3")});
        QVERIFY(tail.waitForStarted());
        // The tail prints nothing before messages: publish until it has its three.
        QProcess client;
        for (int i = 0; i < 100 && tail.state() == QProcess::Running; ++i) {
            client.start(
                testing::toolPath("DUALSCOPE_REDIS_CLI", "redis-cli"),
                {QStringLiteral("-p"), QString::number(sandbox.redisPort()),
                 QStringLiteral("PUBLISH"), QStringLiteral("events:user:octocat"),
                 QStringLiteral(R"({"id":"n%1","type":"t","source_id":"octocat"})").arg(i)});
            client.waitForFinished(5000);
            tail.waitForFinished(100);
        }
        QVERIFY(ended(tail, 5000));
        QCOMPARE(tail.exitCode(), 0);
        const QList<QByteArray> lines = tail.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        for (const QByteArray &line : lines) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            QCOMPARE(object.value(QLatin1String("channel")).toString(),
                     QStringLiteral("events:user:octocat"));
            QCOMPARE(object.value(QLatin1String("pattern")).toString(), QStringLiteral("events:*"));
            QVERIFY(object.value(QLatin1String("payload"))
                        .toObject()
                        .value(QLatin1String("id"))
                        .toString()
                        .startsWith(u'n'));
            QVERIFY(!object.value(QLatin1String("received")).toString().isEmpty());
        }
    }

    void tailKafkaFromTheBeginning()
    {
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        const CliResult published = runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka"), QString::fromUtf8(sandbox.kafka),
             QStringLiteral("--redis"), QString::fromUtf8(sandbox.redis), QStringLiteral("--count"),
             QStringLiteral("5"), QStringLiteral("--source-id"), QStringLiteral("octocat")});
        QCOMPARE(published.exitCode, 0);
        const CliResult tail =
            runCli({QStringLiteral("tail"), QStringLiteral("kafka"), QStringLiteral("--kafka"),
                    QString::fromUtf8(sandbox.kafka), QStringLiteral("--from"),
                    QStringLiteral("beginning"), QStringLiteral("--count"), QStringLiteral("5")},
                   30'000);
        QCOMPARE(tail.exitCode, 0);
        const QList<QByteArray> lines = tail.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 5);
        for (const QByteArray &line : lines) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            QCOMPARE(object.value(QLatin1String("key")).toString(), QStringLiteral("octocat"));
            QCOMPARE(object.value(QLatin1String("topic")).toString(), QStringLiteral("events"));
            QVERIFY(object.value(QLatin1String("offset")).toInteger(-1) >= 0);
            QVERIFY(!object.value(QLatin1String("value"))
                         .toObject()
                         .value(QLatin1String("id"))
                         .toString()
                         .isEmpty());
        }
    }

    void tailEventsShowsTheRecentFromKafkaThenTheLiveEachOnce()
    {
        // given 5 events in both streams, before anyone watched
        CliSandbox sandbox;
        QVERIFY(sandbox.start());
        const QStringList publish{QStringLiteral("publish"),        QStringLiteral("--kafka"),
                                  QString::fromUtf8(sandbox.kafka), QStringLiteral("--redis"),
                                  QString::fromUtf8(sandbox.redis), QStringLiteral("--source-id"),
                                  QStringLiteral("octocat"),        QStringLiteral("--count")};
        QCOMPARE(runCli(publish + QStringList{QStringLiteral("5")}).exitCode, 0);
        // when a viewer connects mid-stream, asking for the last 3
        QProcess tail;
        tail.start(cliPath(),
                   {QStringLiteral("tail"), QStringLiteral("events"), QStringLiteral("--kafka"),
                    QString::fromUtf8(sandbox.kafka), QStringLiteral("--redis"),
                    QString::fromUtf8(sandbox.redis), QStringLiteral("--recent"),
                    QStringLiteral("3"), QStringLiteral("--count"), QStringLiteral("2")});
        QVERIFY(tail.waitForStarted());
        QByteArray out;
        QVERIFY(QTest::qWaitFor(
            [&] {
                out += tail.readAllStandardOutput();
                return out.contains("\"live\":true") || tail.state() != QProcess::Running;
            },
            30'000));
        QVERIFY2(out.contains("\"live\":true"), tail.readAllStandardError().constData());
        // and 2 more events are published
        QCOMPARE(runCli(publish + QStringList{QStringLiteral("2")}).exitCode, 0);
        QVERIFY(ended(tail, 15'000));
        QCOMPARE(tail.exitCode(), 0);
        out += tail.readAllStandardOutput();
        // then it printed the 3 newest from Kafka, the marker, then the 2 live, each once
        const QList<QByteArray> lines = out.trimmed().split('\n');
        QCOMPARE(lines.size(), 6);
        QSet<QString> ids;
        for (int i = 0; i < 6; ++i) {
            const QJsonObject object = QJsonDocument::fromJson(lines[i]).object();
            if (i == 3) {
                QCOMPARE(object.value(QLatin1String("live")).toBool(), true);
                QCOMPARE(object.value(QLatin1String("recent")).toInt(), 3);
                continue;
            }
            const bool fromKafka = i < 3;
            QCOMPARE(object.value(QLatin1String("source")).toString(),
                     fromKafka ? QStringLiteral("kafka") : QStringLiteral("redis"));
            QCOMPARE(object.value(QLatin1String("channel")).toString(),
                     QStringLiteral("events:user:octocat"));
            QCOMPARE(object.value(QLatin1String("source_id")).toString(),
                     QStringLiteral("octocat"));
            QCOMPARE(object.value(QLatin1String("partition")).isNull(), !fromKafka);
            ids.insert(object.value(QLatin1String("id")).toString());
        }
        QCOMPARE(ids.size(), 5);
        // and the Kafka lines are the topic's newest 3, as kcat reads them
        QProcess kcat;
        kcat.start(testing::toolPath("DUALSCOPE_KCAT", "kcat"),
                   {QStringLiteral("-C"), QStringLiteral("-b"), QString::fromUtf8(sandbox.kafka),
                    QStringLiteral("-t"), QStringLiteral("events"), QStringLiteral("-o"),
                    QStringLiteral("beginning"), QStringLiteral("-e"), QStringLiteral("-q"),
                    QStringLiteral("-f"), QStringLiteral("%o %s\\n")});
        QVERIFY(kcat.waitForFinished(30'000));
        const QList<QByteArray> records = kcat.readAllStandardOutput().trimmed().split('\n');
        QCOMPARE(records.size(), 7);
        // one source: one partition, offsets 0..6; the recent 3 were offsets 2, 3 and 4
        for (int i = 0; i < 3; ++i) {
            const QByteArray value = records[2 + i].mid(records[2 + i].indexOf(' ') + 1);
            const QString id =
                QJsonDocument::fromJson(value).object().value(QLatin1String("id")).toString();
            QCOMPARE(
                QJsonDocument::fromJson(lines[i]).object().value(QLatin1String("id")).toString(),
                id);
        }
    }

    void usageErrorsExitTwo_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString kafka = QStringLiteral("--kafka=127.0.0.1:1");
        const QString redis = QStringLiteral("--redis=redis://127.0.0.1:1");
        QTest::newRow("no command") << QStringList() << "usage";
        QTest::newRow("unknown command")
            << QStringList{QStringLiteral("frobnicate")} << "unknown command";
        QTest::newRow("count not a number")
            << QStringList{QStringLiteral("publish"), kafka, redis, QStringLiteral("--count"),
                           QStringLiteral("many")}
            << "--count takes a whole number";
        QTest::newRow("rate too low")
            << QStringList{QStringLiteral("publish"), kafka, redis, QStringLiteral("--rate"),
                           QStringLiteral("0.01")}
            << "--rate takes a number of at least 0.1";
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("publish"), QStringLiteral("--frob")} << "Unknown option";
        QTest::newRow("bad ordering")
            << QStringList{QStringLiteral("publish"), kafka, redis, QStringLiteral("--ordering"),
                           QStringLiteral("redis-first")}
            << "kafka-first or parallel";
        QTest::newRow("bad redis url")
            << QStringList{QStringLiteral("publish"), kafka, QStringLiteral("--redis=http://x")}
            << "redis";
        QTest::newRow("bad channel template")
            << QStringList{QStringLiteral("publish"), kafka, redis,
                           QStringLiteral("--channel-template=events:*")}
            << "glob character";
        QTest::newRow("bad -X") << QStringList{QStringLiteral("publish"), kafka, redis,
                                               QStringLiteral("-X"), QStringLiteral("nonsense")}
                                << "key=value";
        QTest::newRow("missing template file")
            << QStringList{QStringLiteral("publish"), kafka, redis,
                           QStringLiteral("--template=/nonexistent.json")}
            << "cannot use the template: /nonexistent.json: cannot open";
        QTest::newRow("tail what") << QStringList{QStringLiteral("tail"), QStringLiteral("mysql")}
                                   << "tail takes 'redis', 'kafka' or 'events'";
        QTest::newRow("tail events negative recent")
            << QStringList{QStringLiteral("tail"), QStringLiteral("events"), kafka, redis,
                           QStringLiteral("--recent=-1")}
            << "--recent takes a whole number of at least 0, got '-1'";
        QTest::newRow("tail events too many recent")
            << QStringList{QStringLiteral("tail"), QStringLiteral("events"), kafka, redis,
                           QStringLiteral("--recent=100001")}
            << "the recent count must be 0 to 100000, not 100001";
        QTest::newRow("tail events bad channel template")
            << QStringList{QStringLiteral("tail"), QStringLiteral("events"), kafka, redis,
                           QStringLiteral("--channel-template=events:{id}")}
            << "{id}";
        QTest::newRow("tail malformed pattern")
            << QStringList{QStringLiteral("tail"), QStringLiteral("redis"), redis,
                           QStringLiteral("--pattern"), QStringLiteral("a[b")}
            << "never closed";
        QTest::newRow("tail offset without partition")
            << QStringList{QStringLiteral("tail"), QStringLiteral("kafka"), kafka,
                           QStringLiteral("--offset"), QStringLiteral("5")}
            << "--offset needs --partition";
        QTest::newRow("unreachable kafka")
            << QStringList{QStringLiteral("publish"), kafka, redis} << "cannot reach Kafka";
    }
    void usageErrorsExitTwo()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DUALSCOPE_KAFKA"));
        env.remove(QStringLiteral("DUALSCOPE_REDIS"));
        const CliResult result = runCli(arguments, 30'000, env);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
    }

    void noConnectionSaysHowToGetASandbox()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("DUALSCOPE_KAFKA"));
        env.remove(QStringLiteral("DUALSCOPE_REDIS"));
        const CliResult result = runCli({QStringLiteral("publish")}, 10'000, env);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("dualscope-cli sandbox"), result.err.constData());
    }

    void templateErrorPointsAtLineAndColumn()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\n  \"type\": \"x\",\n  \"payload\": {\"n\": \"{{nope}}\"}\n}\n");
        file.close();
        const CliResult result = runCli(
            {QStringLiteral("publish"), QStringLiteral("--kafka=127.0.0.1:1"),
             QStringLiteral("--redis=redis://127.0.0.1:1"), QStringLiteral("--template"), path},
            10'000);
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(result.err.contains("line 3, column"), result.err.constData());
        QVERIFY2(result.err.contains("nope"), result.err.constData());
    }

    void helpForEachSubcommand_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("top") << QStringList{QStringLiteral("--help")} << "publish";
        QTest::newRow("sandbox") << QStringList{QStringLiteral("sandbox"), QStringLiteral("--help")}
                                 << "--partitions";
        QTest::newRow("publish") << QStringList{QStringLiteral("publish"), QStringLiteral("--help")}
                                 << "--sources";
        QTest::newRow("bench") << QStringList{QStringLiteral("bench"), QStringLiteral("publish"),
                                              QStringLiteral("--help")}
                               << "--count";
    }
    void helpForEachSubcommand()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, mentions);
        const CliResult result = runCli(arguments, 10'000);
        QCOMPARE(result.exitCode, 0);
        QVERIFY2(QString::fromUtf8(result.out).contains(mentions), result.out.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
