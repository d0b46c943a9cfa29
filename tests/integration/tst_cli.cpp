// SPDX-License-Identifier: MIT
// dualscope-cli end to end, as scripts use it: output lines, exit codes, signals.
#include "peers.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace dualscope;

namespace {

QString cliPath()
{
    return qEnvironmentVariable("DUALSCOPE_CLI");
}

struct CliResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

CliResult runCli(const QStringList &arguments, int timeoutMs = 60'000,
                 const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(cliPath(), arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            process.readAllStandardOutput(), process.readAllStandardError()};
}

bool portAnswers(quint16 port)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    return socket.waitForConnected(500);
}

// `dualscope-cli sandbox` in the background; its printed addresses.
class CliSandbox
{
public:
    bool start()
    {
        m_process.start(cliPath(), {QStringLiteral("sandbox")});
        const QDeadlineTimer deadline(20'000);
        while (!deadline.hasExpired() && !m_out.contains("READY\n")) {
            m_process.waitForReadyRead(100);
            m_out += m_process.readAllStandardOutput();
        }
        for (const QByteArray &line : m_out.split('\n')) {
            if (line.startsWith("KAFKA_BOOTSTRAP="))
                kafka = line.mid(16);
            else if (line.startsWith("REDIS_URL="))
                redis = line.mid(10);
        }
        return m_out.contains("READY\n") && !kafka.isEmpty() && !redis.isEmpty();
    }
    quint16 redisPort() const { return redis.mid(redis.lastIndexOf(':') + 1).toUShort(); }
    QProcess &process() { return m_process; }
    ~CliSandbox()
    {
        m_process.terminate();
        if (!m_process.waitForFinished(5000))
            m_process.kill();
        m_process.waitForFinished();
    }

    QByteArray kafka;
    QByteArray redis;

private:
    QProcess m_process;
    QByteArray m_out;
};

} // namespace

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
        QVERIFY(sandbox.process().waitForFinished(10'000));
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
        QVERIFY(tail.state() == QProcess::NotRunning || tail.waitForFinished(5000));
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
            << "cannot read template";
        QTest::newRow("tail what") << QStringList{QStringLiteral("tail"), QStringLiteral("mysql")}
                                   << "tail takes 'redis' or 'kafka'";
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
