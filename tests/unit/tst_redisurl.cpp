// SPDX-License-Identifier: MIT
#include "redis/redisurl.h"

#include <QTest>

using dualscope::redis::RedisUrl;

class TestRedisUrl final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesGoodUrls_data();
    void parsesGoodUrls();
    void rejectsBadUrls_data();
    void rejectsBadUrls();
    void displayStringHidesPassword_data();
    void displayStringHidesPassword();
    void displayStringRoundTrips();
    void errorsNeverShowThePassword_data();
    void errorsNeverShowThePassword();
    void passwordsWithUrlCharactersParse();
};

void TestRedisUrl::parsesGoodUrls_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<int>("db");
    QTest::addColumn<bool>("tls");

    const QString none;
    QTest::newRow("host only") << QStringLiteral("redis://localhost") << QStringLiteral("localhost")
                               << 6379 << none << none << 0 << false;
    QTest::newRow("host and port")
        << QStringLiteral("redis://127.0.0.1:6390") << QStringLiteral("127.0.0.1") << 6390 << none
        << none << 0 << false;
    QTest::newRow("db") << QStringLiteral("redis://10.0.0.5:7000/3") << QStringLiteral("10.0.0.5")
                        << 7000 << none << none << 3 << false;
    QTest::newRow("trailing slash")
        << QStringLiteral("redis://h:1/") << QStringLiteral("h") << 1 << none << none << 0 << false;
    QTest::newRow("user and password")
        << QStringLiteral("redis://alice:secret@redis.example:6380/2")
        << QStringLiteral("redis.example") << 6380 << QStringLiteral("alice")
        << QStringLiteral("secret") << 2 << false;
    QTest::newRow("password only, empty user")
        << QStringLiteral("redis://:secret@h") << QStringLiteral("h") << 6379 << none
        << QStringLiteral("secret") << 0 << false;
    QTest::newRow("userinfo without colon is a password (redis-cli)")
        << QStringLiteral("redis://secret@h") << QStringLiteral("h") << 6379 << none
        << QStringLiteral("secret") << 0 << false;
    QTest::newRow("percent-decoded")
        << QStringLiteral("redis://al%40ice:p%3Ass%2Fw%25rd@h:1") << QStringLiteral("h") << 1
        << QStringLiteral("al@ice") << QStringLiteral("p:ss/w%rd") << 0 << false;
    QTest::newRow("unencoded @ in password")
        << QStringLiteral("redis://u:p@ss@h") << QStringLiteral("h") << 6379 << QStringLiteral("u")
        << QStringLiteral("p@ss") << 0 << false;
    QTest::newRow("tls") << QStringLiteral("rediss://h:6380") << QStringLiteral("h") << 6380 << none
                         << none << 0 << true;
    QTest::newRow("scheme case") << QStringLiteral("REDIS://h") << QStringLiteral("h") << 6379
                                 << none << none << 0 << false;
    QTest::newRow("ipv6") << QStringLiteral("redis://[::1]:6381/1") << QStringLiteral("::1") << 6381
                          << none << none << 1 << false;
    QTest::newRow("ipv6 no port") << QStringLiteral("redis://[fe80::1]")
                                  << QStringLiteral("fe80::1") << 6379 << none << none << 0
                                  << false;
    QTest::newRow("surrounding spaces") << QStringLiteral("  redis://h:2  ") << QStringLiteral("h")
                                        << 2 << none << none << 0 << false;
}

void TestRedisUrl::parsesGoodUrls()
{
    QFETCH(QString, text);
    // When parsed
    QString error;
    const auto url = RedisUrl::parse(text, &error);
    // Then every part is found
    QVERIFY2(url, qPrintable(error));
    QTEST(url->host, "host");
    QTEST(int(url->port), "port");
    QTEST(url->user, "user");
    QTEST(url->password, "password");
    QTEST(url->db, "db");
    QTEST(url->tls, "tls");
}

void TestRedisUrl::rejectsBadUrls_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions");

    QTest::newRow("no scheme") << QStringLiteral("localhost:6379") << QStringLiteral("redis://");
    QTest::newRow("bad scheme") << QStringLiteral("http://localhost") << QStringLiteral("scheme");
    QTest::newRow("port not a number")
        << QStringLiteral("redis://u:p@h:abc") << QStringLiteral("port \"abc\"");
    QTest::newRow("port not a number, no userinfo: maybe a password, not quoted")
        << QStringLiteral("redis://h:abc") << QStringLiteral("redis://h:***\": the port is not");
    QTest::newRow("port zero") << QStringLiteral("redis://h:0") << QStringLiteral("port");
    QTest::newRow("port too big") << QStringLiteral("redis://h:65536") << QStringLiteral("port");
    QTest::newRow("port signed") << QStringLiteral("redis://h:+5") << QStringLiteral("port");
    QTest::newRow("empty port") << QStringLiteral("redis://h:") << QStringLiteral("port");
    QTest::newRow("db not a number")
        << QStringLiteral("redis://h/abc") << QStringLiteral("database \"abc\" is not a number");
    QTest::newRow("db negative") << QStringLiteral("redis://h/-1") << QStringLiteral("database");
    QTest::newRow("no host") << QStringLiteral("redis://:6379") << QStringLiteral("no host");
    QTest::newRow("empty") << QStringLiteral("redis://") << QStringLiteral("no host");
    QTest::newRow("bare ipv6") << QStringLiteral("redis://::1:6379") << QStringLiteral("brackets");
    QTest::newRow("unclosed ipv6")
        << QStringLiteral("redis://[::1:6379") << QStringLiteral("\"]\"");
    QTest::newRow("query") << QStringLiteral("redis://h?db=1") << QStringLiteral("query");
}

void TestRedisUrl::rejectsBadUrls()
{
    QFETCH(QString, text);
    QFETCH(QString, mentions);
    // When a bad URL is parsed
    QString error;
    const auto url = RedisUrl::parse(text, &error);
    // Then it is refused with a message naming the wrong part
    QVERIFY(!url);
    QVERIFY2(error.contains(mentions), qPrintable(error));
}

void TestRedisUrl::displayStringHidesPassword_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("display");

    QTest::newRow("plain") << QStringLiteral("redis://h:1") << QStringLiteral("redis://h:1");
    QTest::newRow("default port and db shown as needed")
        << QStringLiteral("redis://h/4") << QStringLiteral("redis://h:6379/4");
    QTest::newRow("password only")
        << QStringLiteral("redis://:hunter2@h:1") << QStringLiteral("redis://:***@h:1");
    QTest::newRow("user and password") << QStringLiteral("rediss://alice:hunter2@h:1/2")
                                       << QStringLiteral("rediss://alice:***@h:1/2");
    QTest::newRow("ipv6") << QStringLiteral("redis://:hunter2@[::1]:7")
                          << QStringLiteral("redis://:***@[::1]:7");
}

void TestRedisUrl::displayStringHidesPassword()
{
    QFETCH(QString, text);
    QFETCH(QString, display);
    // Given a URL with a password
    const auto url = RedisUrl::parse(text);
    QVERIFY(url);
    // When displayed, then the password is masked
    QCOMPARE(url->toDisplayString(), display);
    QVERIFY(!url->toDisplayString().contains(QLatin1String("hunter2")));
}

void TestRedisUrl::displayStringRoundTrips()
{
    // Given a URL without a password, when displayed and parsed again, then nothing is lost
    const auto url = RedisUrl::parse(QStringLiteral("rediss://al%40ice@[::1]:7/9"));
    QVERIFY(url);
    QCOMPARE(url->password, QStringLiteral("al@ice")); // no colon: a password, as redis-cli
    RedisUrl noPassword = *url;
    noPassword.password.clear();
    noPassword.user = QStringLiteral("bob@home");
    const auto again = RedisUrl::parse(noPassword.toDisplayString());
    QVERIFY(again);
    QVERIFY(*again == noPassword);
}

// A password that no error text contains by chance, even in pieces of four.
const QString kSecret = QStringLiteral("Qz7Wk9Vx");

void TestRedisUrl::errorsNeverShowThePassword_data()
{
    QTest::addColumn<QString>("text");
    // {P} stands for the password: the malformed shapes a hurried user types.
    const char *shapes[] = {
        "redis://alice:{P}@127.0.0.1:notaport",
        "redis://alice:{P}@127.0.0.1:99999",
        "redis://alice:{P}@127.0.0.1:6379/abc",
        "redis://alice:{P}@:6379",
        "redis://alice:{P}@",
        "redis://alice:{P}@[::1:6379",
        "redis://alice:{P}@[::1]x",
        "redis://alice:{P}@h:1:2",
        "redis://alice:{P}@h?db=1",
        "redis://alice:{P}@h#x",
        "redis://alice:{P}@h o/0",
        "redis://alice:{P}",
        "redis://alice:{P}/x",
        "redis://alice:{P}:6379",
        "redis://:{P}",
        "redis://[::1]:{P}",
        "redis://{P}@h:0",
        "http://alice:{P}@h",
        "alice:{P}@h:6379",
        "redis:/alice:{P}@h",
        "redis://alice:p@ss:{P}%40@host:x",
        "redis://alice:{P}@@",
        "rediss://alice:{P}@h:6379/-1",
        "  redis://alice:{P}@h:+1  ",
        "redis://alice:{P}:@h:65536/2",
        "redis://alice:{P}@h:6379/9999999999999",
    };
    for (const char *shape : shapes) {
        const QString text = QString::fromLatin1(shape).replace(QLatin1String("{P}"), kSecret);
        QTest::newRow(shape) << text;
    }
}

void TestRedisUrl::errorsNeverShowThePassword()
{
    QFETCH(QString, text);
    // When a malformed URL with a password is parsed
    QString error;
    const auto url = RedisUrl::parse(text, &error);
    // Then it is refused with a message that holds no piece of the password
    QVERIFY2(!url, qPrintable(QStringLiteral("parsed: ") + text));
    QVERIFY(!error.isEmpty());
    for (qsizetype from = 0; from + 4 <= kSecret.size(); ++from)
        QVERIFY2(!error.contains(kSecret.mid(from, 4)), qPrintable(error));
    // and it still shows the URL, masked, so the user sees which one is wrong
    QVERIFY2(error.contains(QLatin1String("***")), qPrintable(error));
}

void TestRedisUrl::passwordsWithUrlCharactersParse()
{
    // Given passwords with unencoded '/', '@' and ':', when parsed, then the userinfo
    // ends at the last '@' and nothing of it is read as a port or a database
    const auto slash = RedisUrl::parse(QStringLiteral("redis://alice:TopSecret/x@127.0.0.1:6379"));
    QVERIFY(slash);
    QCOMPARE(slash->password, QStringLiteral("TopSecret/x"));
    QCOMPARE(slash->host, QStringLiteral("127.0.0.1"));
    QCOMPARE(int(slash->port), 6379);
    const auto mixed = RedisUrl::parse(QStringLiteral("redis://alice:p@ss:w/rd%40@host"));
    QVERIFY(mixed);
    QCOMPARE(mixed->user, QStringLiteral("alice"));
    QCOMPARE(mixed->password, QStringLiteral("p@ss:w/rd@"));
    QCOMPARE(mixed->host, QStringLiteral("host"));
    QCOMPARE(mixed->toDisplayString(), QStringLiteral("redis://alice:***@host:6379"));
}

QTEST_APPLESS_MAIN(TestRedisUrl)
#include "tst_redisurl.moc"
