// SPDX-License-Identifier: MIT
// Bad input to dualscope-cli, as a hurried user types it: every case ends at once in
// a clear error and exit code 2, before anything is watched, sent or read whole,
// and no error shows any piece of a password.
#include "clirun.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <sys/stat.h>

using namespace dualscope::testing;

namespace {

// Nothing listens on these: a command that got past its input checks would fail
// on the connection instead, with another message.
const QString kKafka = QStringLiteral("--kafka=127.0.0.1:1");
const QString kRedis = QStringLiteral("--redis=redis://127.0.0.1:1");
// A password no message contains by chance, even in pieces of four.
const QString kSecret = QStringLiteral("Qz7Wk9Vx");

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("DUALSCOPE_KAFKA"));
    env.remove(QStringLiteral("DUALSCOPE_REDIS"));
    return env;
}

} // namespace

class TestCliInput final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(QFile::exists(cliPath()), "DUALSCOPE_CLI is not set");
        QVERIFY(m_files.isValid());
        m_fifo = m_files.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(m_fifo).constData(), 0600), 0);
        // 17 MB without writing them: a sparse file over the template cap.
        m_big = m_files.filePath(QStringLiteral("big.json"));
        QFile big(m_big);
        QVERIFY(big.open(QIODevice::WriteOnly));
        QVERIFY(big.resize(17 * 1024 * 1024));
    }

    void refusedWithAClearError_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const QString publish = QStringLiteral("publish");
        const QString check = QStringLiteral("check");
        auto row = [](const char *name, const QStringList &arguments, const char *message) {
            QTest::newRow(name) << arguments << QString::fromUtf8(message);
        };
        row("rate nan", {publish, kKafka, kRedis, QStringLiteral("--rate=nan")}, "--rate takes");
        row("rate inf", {publish, kKafka, kRedis, QStringLiteral("--rate=inf")}, "--rate takes");
        row("burst nan",
            {publish, kKafka, kRedis, QStringLiteral("--rate=5"), QStringLiteral("--burst=nan")},
            "--burst takes");
        row("template /dev/zero", {publish, kKafka, kRedis, QStringLiteral("--template=/dev/zero")},
            "/dev/zero: is a character device, not a regular file");
        row("template is a directory",
            {publish, kKafka, kRedis, QStringLiteral("--template=") + m_files.path()},
            "is a directory");
        row("template is a FIFO", {publish, kKafka, kRedis, QStringLiteral("--template=") + m_fifo},
            "is a FIFO");
        row("template over the cap",
            {publish, kKafka, kRedis, QStringLiteral("--template=") + m_big},
            "is 17 MB, over the limit of 16 MB");
        row("extra argument", {publish, QStringLiteral("extra"), kKafka, kRedis},
            "unexpected argument 'extra'");
        row("bootstrap port out of range", {publish, QStringLiteral("--kafka=host:99999"), kRedis},
            "Kafka bootstrap entry 'host:99999': the port '99999' is not a number");
        row("bootstrap port not a number",
            {publish, QStringLiteral("--kafka=host:notaport"), kRedis},
            "the port 'notaport' is not a number");
        row("bootstrap empty entry", {publish, QStringLiteral("--kafka=a:1,,b:2"), kRedis},
            "has an empty entry");
        row("empty topic", {publish, kKafka, kRedis, QStringLiteral("--topic=")},
            "the topic name is empty");
        row("topic with a space", {publish, kKafka, kRedis, QStringLiteral("--topic=a b")},
            "a character Kafka does not allow");
        row("check duration nan", {check, kKafka, kRedis, QStringLiteral("--duration=nan")},
            "--duration takes");
        row("check until-idle inf", {check, kKafka, kRedis, QStringLiteral("--until-idle=inf")},
            "--until-idle takes");
        row("check from before the epoch", {check, kKafka, kRedis, QStringLiteral("--from=-5")},
            "at or after the epoch");
        row("check report is a directory",
            {check, kKafka, kRedis, QStringLiteral("--report=") + m_files.path()},
            "is a directory");
        row("check junit in a missing folder",
            {check, kKafka, kRedis, QStringLiteral("--junit=/nonexistent/x.xml")},
            "the folder /nonexistent does not exist");
        row("check extra argument", {check, kKafka, kRedis, QStringLiteral("now")},
            "unexpected argument 'now'");
        row("tail redis empty channel",
            {QStringLiteral("tail"), QStringLiteral("redis"), kRedis, QStringLiteral("--channel=")},
            "--channel takes a channel name");
        row("tail kafka two starts",
            {QStringLiteral("tail"), QStringLiteral("kafka"), kKafka,
             QStringLiteral("--from=beginning"), QStringLiteral("--offset=3"),
             QStringLiteral("--partition=0")},
            "give one of them");
        row("tail kafka from-time before the epoch",
            {QStringLiteral("tail"), QStringLiteral("kafka"), kKafka,
             QStringLiteral("--from-time=-1")},
            "--from-time takes");
        row("sandbox empty topic", {QStringLiteral("sandbox"), QStringLiteral("--topic=")},
            "the topic name is empty");
        row("sandbox topic with a space",
            {QStringLiteral("sandbox"), QStringLiteral("--topic=a b")},
            "a character Kafka does not allow");
        row("replay report /dev/zero",
            {QStringLiteral("replay"), kKafka, kRedis, QStringLiteral("--report=/dev/zero")},
            "is a character device");
        row("inject an unknown kind", {publish, kKafka, kRedis, QStringLiteral("--inject=lost=3")},
            "the kind is one of missing, duplicate");
        row("inject a count that is not a number",
            {publish, kKafka, kRedis, QStringLiteral("--inject=missing=x")}, "N is a whole number");
        row("inject more than the run has events",
            {publish, kKafka, kRedis, QStringLiteral("--count=5"),
             QStringLiteral("--inject=missing=4"), QStringLiteral("--inject=late=2")},
            "each event takes at most one");
        row("redis-cert without key",
            {publish, kKafka, QStringLiteral("--redis=rediss://127.0.0.1:1"),
             QStringLiteral("--redis-cert=/etc/hostname")},
            "needs both a certificate file and a key file");
        row("tls files with a plaintext url",
            {publish, kKafka, kRedis, QStringLiteral("--redis-ca=/etc/hostname")}, "use rediss://");
        row("CA file that holds no certificate",
            {publish, kKafka, QStringLiteral("--redis=rediss://127.0.0.1:1"),
             QStringLiteral("--redis-ca=/etc/hostname")},
            "holds no PEM certificate");
        row("group with an empty name", {check, kKafka, kRedis, QStringLiteral("--group=")},
            "--group needs a name of 1 to 249 printable characters");
        row("group name with a space", {check, kKafka, kRedis, QStringLiteral("--group=a b")},
            "--group needs a name of 1 to 249 printable characters");
        row("group with a template without source id",
            {check, kKafka, kRedis, QStringLiteral("--group=g"),
             QStringLiteral("--channel-template=events:{type}")},
            "has no {source_id}");
        row("partitioner without group",
            {check, kKafka, kRedis, QStringLiteral("--partitioner=fnv1a")},
            "--partitioner only matters with --group");
        row("unknown partitioner",
            {check, kKafka, kRedis, QStringLiteral("--group=g"),
             QStringLiteral("--partitioner=java")},
            "unknown partitioner 'java'");
        row("bench group of one", {QStringLiteral("bench"), check, QStringLiteral("--instances=1")},
            "--instances");
        row("bench group on a given cluster",
            {QStringLiteral("bench"), check, QStringLiteral("--instances=3"), kKafka},
            "runs in its own sandbox");
        row("bench group larger than the topic",
            {QStringLiteral("bench"), check, QStringLiteral("--instances=13"),
             QStringLiteral("--partitions=12")},
            "at most one member per partition");
    }
    void refusedWithAClearError()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        // when the command runs, then it ends at once (no read of /dev/zero, no FIFO
        // wait, no watch) with exit code 2 and the message
        QElapsedTimer clock;
        clock.start();
        const CliResult result = runCli(arguments, 20'000, cleanEnvironment());
        QCOMPARE(result.exitCode, 2);
        QVERIFY2(QString::fromUtf8(result.err).contains(message), result.err.constData());
        QVERIFY2(clock.elapsed() < 10'000, qPrintable(QString::number(clock.elapsed())));
    }

    void invalidUtf8IsRefused()
    {
        // QProcess takes QStrings: a shell hands over the raw byte 0xff.
        QProcess shell;
        shell.setProcessEnvironment(cleanEnvironment());
        shell.start(
            QStringLiteral("/bin/sh"),
            {QStringLiteral("-c"),
             QStringLiteral("exec \"$0\" publish --kafka=127.0.0.1:1 "
                            "--redis=redis://127.0.0.1:1 --source-id \"$(printf 'a\\377b')\""),
             cliPath()});
        QVERIFY(ended(shell, 20'000));
        QCOMPARE(shell.exitCode(), 2);
        const QByteArray err = shell.readAllStandardError();
        QVERIFY2(err.contains("the value of --source-id is not valid UTF-8"), err.constData());
    }

    void noCommandShowsAPasswordOfAMalformedUrl_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QString>("url");
        const QList<QStringList> commands{
            {QStringLiteral("publish"), kKafka},
            {QStringLiteral("check"), kKafka},
            {QStringLiteral("tail"), QStringLiteral("redis")},
            {QStringLiteral("replay"), kKafka, QStringLiteral("--from=0")},
            {QStringLiteral("bench"), QStringLiteral("publish"), kKafka},
        };
        const char *shapes[] = {
            "redis://alice:{P}@127.0.0.1:notaport",
            "redis://alice:{P}",
            "redis://alice:{P}/x",
            "redis://alice:{P}:6379",
            "redis://:{P}",
            "redis://alice:{P}@127.0.0.1:6379/abc",
            "redis://alice:p@ss:{P}%40@host:x",
            "alice:{P}@127.0.0.1:6379",
            "http://alice:{P}@h",
            "redis://alice:{P}@h?db=1",
        };
        for (const QStringList &command : commands) {
            for (const char *shape : shapes) {
                const QString url =
                    QString::fromLatin1(shape).replace(QLatin1String("{P}"), kSecret);
                QTest::addRow("%s %s", qPrintable(command.join(u' ')), shape) << command << url;
            }
        }
    }
    void noCommandShowsAPasswordOfAMalformedUrl()
    {
        QFETCH(QStringList, command);
        QFETCH(QString, url);
        // when a command gets a malformed URL with a password
        const CliResult result = runCli(command + QStringList{QStringLiteral("--redis"), url},
                                        20'000, cleanEnvironment());
        // then it is a usage error that shows the URL masked and no piece of the password
        QCOMPARE(result.exitCode, 2);
        const QString err = QString::fromUtf8(result.err + result.out);
        QVERIFY2(err.contains(QLatin1String("***")), qPrintable(err));
        for (qsizetype from = 0; from + 4 <= kSecret.size(); ++from)
            QVERIFY2(!err.contains(kSecret.mid(from, 4)), qPrintable(err));
    }

private:
    QTemporaryDir m_files;
    QString m_fifo;
    QString m_big;
};

QTEST_GUILESS_MAIN(TestCliInput)
#include "tst_cliinput.moc"
