// SPDX-License-Identifier: MIT
#include "connections/connectiondialog.h"
#include "connections/profile.h"
#include "connections/profilestore.h"
#include "redis/redisurl.h"
#include "sandbox/sandbox.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace dualscope;

namespace {

const QString kKafkaPassword = QStringLiteral("kafka-Secr3t-pw");
const QString kRedisPassword = QStringLiteral("redis-Secr3t-pw");

template <typename T> T *child(const QWidget &parent, const char *name)
{
    T *widget = parent.findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

ui::ConnectionProfile sampleProfile()
{
    ui::ConnectionProfile p;
    p.name = QStringLiteral("staging");
    p.kafkaBootstrap = "kafka1.example:9093,kafka2.example:9093";
    p.securityProtocol = QStringLiteral("sasl_ssl");
    p.saslMechanism = QStringLiteral("SCRAM-SHA-512");
    p.saslUser = QStringLiteral("alice-kafka");
    p.saslPassword = kKafkaPassword;
    p.caFile = QStringLiteral("/etc/ssl/ca.pem");
    p.extraProperties = {{"client.id", "dualscope"}};
    p.topic = "orders";
    p.redisUrl = QStringLiteral("redis://redis.example:6380");
    p.redisUser = QStringLiteral("bob-redis");
    p.redisPassword = kRedisPassword;
    p.redisDb = 2;
    return p;
}

QByteArray settingsFileBytes()
{
    QSettings settings;
    settings.sync();
    QFile file(settings.fileName());
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(settings.fileName()));
    return file.readAll();
}

} // namespace

class TestProfiles final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_settingsDir;

private slots:
    void initTestCase()
    {
        // Profiles go to a throw-away INI file, never the user's settings.
        QVERIFY(m_settingsDir.isValid());
        QCoreApplication::setOrganizationName(QStringLiteral("dualscope-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_profiles"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
        QSettings().clear();
    }

    void init() { QSettings().clear(); }

    void saveKeepsPasswordsOutOfTheSettingsFile()
    {
        // given a store without keychain (no secret service in tests)
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        QSignalSpy stored(&store, &ui::ProfileStore::passwordsStored);
        // when a profile with both passwords is saved
        store.save(sampleProfile());
        // then the file holds the fields but neither password
        const QByteArray bytes = settingsFileBytes();
        QVERIFY(bytes.contains("kafka1.example:9093,kafka2.example:9093"));
        QVERIFY(bytes.contains("alice-kafka"));
        QVERIFY(bytes.contains("bob-redis"));
        QVERIFY(bytes.contains("redis://redis.example:6380"));
        QVERIFY(!bytes.contains(kKafkaPassword.toUtf8()));
        QVERIFY(!bytes.contains(kRedisPassword.toUtf8()));
        QVERIFY(!bytes.contains("Secr3t"));
        // and the user is told the passwords live for this session only
        QTRY_COMPARE(stored.size(), 1);
        QCOMPARE(stored.at(0).at(0).toString(), QStringLiteral("staging"));
        QCOMPARE(stored.at(0).at(1).toBool(), false);
        QVERIFY(stored.at(0).at(2).toString().contains(QLatin1String("session")));
    }

    void passwordTypedIntoTheRedisUrlIsMovedOutOfIt()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        ui::ConnectionProfile p = sampleProfile();
        p.redisUser.clear();
        p.redisPassword.clear();
        p.redisUrl = QStringLiteral("redis://carol:url-Secr3t@redis.example:6380/1");
        store.save(p);
        QVERIFY(!settingsFileBytes().contains("url-Secr3t"));
        QCOMPARE(store.load(QStringLiteral("staging")).redisUser, QStringLiteral("carol"));
        QSignalSpy loaded(&store, &ui::ProfileStore::passwordsLoaded);
        store.loadPasswords(QStringLiteral("staging"));
        QTRY_COMPARE(loaded.size(), 1);
        QCOMPARE(loaded.at(0).at(2).toString(), QStringLiteral("url-Secr3t"));
    }

    void loadGivesTheFieldsBackWithoutPasswords()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        store.save(sampleProfile());
        // a second store: nothing shared but the settings file
        ui::ProfileStore other;
        other.setKeychainEnabled(false);
        QCOMPARE(other.names(), QStringList{QStringLiteral("staging")});
        ui::ConnectionProfile expected = sampleProfile();
        expected.saslPassword.clear();
        expected.redisPassword.clear();
        QCOMPARE(other.load(QStringLiteral("staging")), expected);
    }

    void sessionCacheGivesThePasswordsBackWithoutKeychain()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        store.save(sampleProfile());
        QSignalSpy loaded(&store, &ui::ProfileStore::passwordsLoaded);
        store.loadPasswords(QStringLiteral("staging"));
        QTRY_COMPARE(loaded.size(), 1);
        QCOMPARE(loaded.at(0).at(1).toString(), kKafkaPassword);
        QCOMPARE(loaded.at(0).at(2).toString(), kRedisPassword);
        QVERIFY(loaded.at(0).at(3).toString().isEmpty());

        // a store of a later session has no cache: it says so instead of guessing
        ui::ProfileStore later;
        later.setKeychainEnabled(false);
        QSignalSpy laterLoaded(&later, &ui::ProfileStore::passwordsLoaded);
        later.loadPasswords(QStringLiteral("staging"));
        QTRY_COMPARE(laterLoaded.size(), 1);
        QVERIFY(laterLoaded.at(0).at(1).toString().isEmpty());
        QVERIFY(!laterLoaded.at(0).at(3).toString().isEmpty());
    }

    void removeDeletesTheGroupAndLastProfile()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        store.save(sampleProfile());
        store.setLastProfile(QStringLiteral("staging"));
        QCOMPARE(store.lastProfile(), QStringLiteral("staging"));
        store.remove(QStringLiteral("staging"));
        QVERIFY(store.names().isEmpty());
        QVERIFY(store.lastProfile().isEmpty());
        QSettings settings;
        settings.beginGroup(QStringLiteral("profiles"));
        QVERIFY(settings.childGroups().isEmpty());
        QVERIFY(!settingsFileBytes().contains("kafka1.example"));
    }

    void kafkaPropertiesMapTheSecurityFields()
    {
        const kafka::Properties properties = sampleProfile().kafkaProperties();
        const kafka::Properties expected = {
            {"security.protocol", "sasl_ssl"},      {"sasl.mechanisms", "SCRAM-SHA-512"},
            {"sasl.username", "alice-kafka"},       {"sasl.password", kKafkaPassword.toUtf8()},
            {"ssl.ca.location", "/etc/ssl/ca.pem"}, {"client.id", "dualscope"}};
        QCOMPARE(properties, expected);

        ui::ConnectionProfile plain;
        plain.saslUser = QStringLiteral("ignored");
        QCOMPARE(plain.kafkaProperties(), (kafka::Properties{{"security.protocol", "plaintext"}}));
    }

    void redisUrlWithCredentials()
    {
        const ui::ConnectionProfile p = sampleProfile();
        const auto url = redis::RedisUrl::parse(p.redisUrlWithCredentials());
        QVERIFY(url);
        QCOMPARE(url->host, QStringLiteral("redis.example"));
        QCOMPARE(url->port, quint16(6380));
        QCOMPARE(url->user, QStringLiteral("bob-redis"));
        QCOMPARE(url->password, kRedisPassword);
        QCOMPARE(url->db, 2);
    }

    void dialogSavesAndShowsTheProfileAgain()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        {
            ui::ConnectionDialog dialog(&store);
            dialog.open();
            QTest::mouseClick(child<QPushButton>(dialog, "new"), Qt::LeftButton);
            QTest::keyClicks(child<QLineEdit>(dialog, "name"), QStringLiteral("local"));
            QTest::keyClicks(child<QLineEdit>(dialog, "kafkaBootstrap"),
                             QStringLiteral("127.0.0.1:9092"));
            QTest::keyClicks(child<QLineEdit>(dialog, "topic"), QStringLiteral("events"));
            QTest::keyClicks(child<QLineEdit>(dialog, "redisUrl"),
                             QStringLiteral("redis://127.0.0.1:6379"));
            QTest::keyClicks(child<QLineEdit>(dialog, "redisUser"), QStringLiteral("dave"));
            QTest::keyClicks(child<QLineEdit>(dialog, "redisPassword"), kRedisPassword);
            QCOMPARE(child<QLineEdit>(dialog, "redisPassword")->echoMode(), QLineEdit::Password);
            QCOMPARE(child<QLineEdit>(dialog, "saslPassword")->echoMode(), QLineEdit::Password);
            QTest::mouseClick(child<QPushButton>(dialog, "save"), Qt::LeftButton);
            QCOMPARE(store.names(), QStringList{QStringLiteral("local")});
            QTRY_VERIFY(child<QLabel>(dialog, "status")->text().contains(QLatin1String("session")));
            QSignalSpy connectSpy(&dialog, &ui::ConnectionDialog::connectRequested);
            QTest::mouseClick(child<QPushButton>(dialog, "connect"), Qt::LeftButton);
            QCOMPARE(connectSpy.size(), 1);
            const auto sent = connectSpy.at(0).at(0).value<ui::ConnectionProfile>();
            QCOMPARE(sent.redisPassword, kRedisPassword);
            QCOMPARE(sent.redisUser, QStringLiteral("dave"));
        }
        QVERIFY(!settingsFileBytes().contains(kRedisPassword.toUtf8()));
        // when the dialog is opened again, the last profile is back, password included
        ui::ConnectionDialog again(&store);
        again.open();
        QCOMPARE(child<QComboBox>(again, "profiles")->currentText(), QStringLiteral("local"));
        QCOMPARE(child<QLineEdit>(again, "kafkaBootstrap")->text(),
                 QStringLiteral("127.0.0.1:9092"));
        QCOMPARE(child<QLineEdit>(again, "redisUser")->text(), QStringLiteral("dave"));
        QTRY_COMPARE(child<QLineEdit>(again, "redisPassword")->text(), kRedisPassword);
    }

    void sandboxButtonAsksForTheSandbox()
    {
        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        ui::ConnectionDialog dialog(&store);
        dialog.open();
        QSignalSpy spy(&dialog, &ui::ConnectionDialog::sandboxRequested);
        QTest::mouseClick(child<QPushButton>(dialog, "sandbox"), Qt::LeftButton);
        QCOMPARE(spy.size(), 1);
    }

    void testConnectionAgainstTheSandbox()
    {
        // given a sandbox whose Redis wants a password
        sandbox::SandboxOptions options;
        options.redisPassword = QStringLiteral("sandbox-pw");
        sandbox::Sandbox box(options);
        QString error;
        QVERIFY2(box.start(&error), qPrintable(error));

        ui::ProfileStore store;
        store.setKeychainEnabled(false);
        ui::ConnectionDialog dialog(&store);
        dialog.open();
        ui::ConnectionProfile p;
        p.name = QStringLiteral("sandbox");
        p.kafkaBootstrap = box.kafkaBootstrap();
        p.redisUrl = box.redisUrl();
        p.redisPassword = options.redisPassword;
        dialog.setProfile(p);
        auto *kafkaResult = child<QLabel>(dialog, "kafkaResult");
        auto *redisResult = child<QLabel>(dialog, "redisResult");

        // when tested with the right password: both streams answer
        QTest::mouseClick(child<QPushButton>(dialog, "test"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isTesting(), 15000);
        QCOMPARE(kafkaResult->text(), QStringLiteral("Kafka: 3 brokers, 1 topic"));
        QVERIFY2(redisResult->text().startsWith(QLatin1String("Redis: connected")),
                 qPrintable(redisResult->text()));

        // when tested with a wrong password: Redis says AUTH failed, in words
        auto *password = child<QLineEdit>(dialog, "redisPassword");
        password->clear();
        QTest::keyClicks(password, QStringLiteral("wrong-pw"));
        QTest::mouseClick(child<QPushButton>(dialog, "test"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isTesting(), 15000);
        QVERIFY2(redisResult->text().contains(QLatin1String("AUTH")),
                 qPrintable(redisResult->text()));
        QVERIFY(!redisResult->text().contains(QLatin1String("wrong-pw")));
        QCOMPARE(kafkaResult->text(), QStringLiteral("Kafka: 3 brokers, 1 topic"));

        // when Kafka is dead: the GUI keeps running and the failure arrives in ~5 s
        auto *bootstrap = child<QLineEdit>(dialog, "kafkaBootstrap");
        bootstrap->clear();
        QTest::keyClicks(bootstrap, QStringLiteral("127.0.0.1:1"));
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(child<QPushButton>(dialog, "test"), Qt::LeftButton);
        QVERIFY(clock.elapsed() < 1000);
        QVERIFY(dialog.isTesting());
        QVERIFY(!child<QPushButton>(dialog, "test")->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.isTesting(), 12000);
        QVERIFY(clock.elapsed() < 12000);
        QVERIFY2(kafkaResult->text().startsWith(QLatin1String("Kafka: ")) &&
                     !kafkaResult->text().contains(QLatin1String("broker,")) &&
                     !kafkaResult->text().contains(QLatin1String("brokers,")),
                 qPrintable(kafkaResult->text()));
        qInfo("dead Kafka reported after %lld ms: %s", clock.elapsed(),
              qPrintable(kafkaResult->text()));
        box.stop();
    }
};

QTEST_MAIN(TestProfiles)
#include "tst_profiles.moc"
