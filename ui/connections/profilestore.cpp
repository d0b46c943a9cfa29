// SPDX-License-Identifier: MIT
#include "connections/profilestore.h"

#include "kafka/kafkaconfig.h"
#include "redis/redisurl.h"

#include <QLoggingCategory>
#include <QSettings>
#include <QUrl>
#include <memory>
#include <qt6keychain/keychain.h>

namespace dualscope::ui {

namespace {

Q_LOGGING_CATEGORY(lcProfiles, "dualscope.ui")

const QString kService = QStringLiteral("dualscope");

// A profile name may hold '/', which QSettings would read as a nested group.
QString groupOf(const QString &name)
{
    return QStringLiteral("profiles/") + QString::fromLatin1(QUrl::toPercentEncoding(name));
}

QString nameOf(const QString &group)
{
    return QUrl::fromPercentEncoding(group.toLatin1());
}

QString kafkaKey(const QString &name)
{
    return name + QStringLiteral("/kafka");
}

QString redisKey(const QString &name)
{
    return name + QStringLiteral("/redis");
}

QString notStoredText(const QString &reason)
{
    return QStringLiteral("The passwords were not stored in the keychain (%1); they are kept "
                          "for this session only.")
        .arg(reason);
}

// Moves user and password typed into the URL into the profile's own fields, so the URL
// that reaches the settings file never carries a password.
void moveUrlCredentials(ConnectionProfile *profile)
{
    auto url = redis::RedisUrl::parse(profile->redisUrl);
    if (!url || (url->user.isEmpty() && url->password.isEmpty()))
        return;
    if (profile->redisUser.isEmpty())
        profile->redisUser = url->user;
    if (profile->redisPassword.isEmpty())
        profile->redisPassword = url->password;
    profile->redisUrl = (url->tls ? QLatin1String("rediss://") : QLatin1String("redis://")) +
                        url->endpoint() + QLatin1Char('/') + QString::number(url->db);
}

} // namespace

ProfileStore::ProfileStore(QObject *parent) : QObject(parent) {}

ProfileStore::~ProfileStore() = default;

QStringList ProfileStore::names() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("profiles"));
    QStringList result;
    for (const QString &group : settings.childGroups())
        result.append(nameOf(group));
    result.sort(Qt::CaseInsensitive);
    return result;
}

bool ProfileStore::contains(const QString &name) const
{
    return !name.isEmpty() && names().contains(name);
}

ConnectionProfile ProfileStore::load(const QString &name) const
{
    QSettings settings;
    settings.beginGroup(groupOf(name));
    ConnectionProfile profile;
    profile.name = name;
    profile.kafkaBootstrap = settings.value(QStringLiteral("kafkaBootstrap")).toByteArray();
    profile.securityProtocol =
        settings.value(QStringLiteral("securityProtocol"), profile.securityProtocol).toString();
    profile.saslMechanism =
        settings.value(QStringLiteral("saslMechanism"), profile.saslMechanism).toString();
    profile.saslUser = settings.value(QStringLiteral("saslUser")).toString();
    profile.caFile = settings.value(QStringLiteral("caFile")).toString();
    const QStringList extras = settings.value(QStringLiteral("extraProperties")).toStringList();
    for (const QString &line : extras) {
        std::pair<QByteArray, QByteArray> property;
        QString error;
        if (kafka::parseProperty(line, &property, &error))
            profile.extraProperties.append(property);
    }
    profile.topic = settings.value(QStringLiteral("topic"), profile.topic).toByteArray();
    profile.redisUrl = settings.value(QStringLiteral("redisUrl")).toString();
    profile.redisUser = settings.value(QStringLiteral("redisUser")).toString();
    profile.redisDb = settings.value(QStringLiteral("redisDb"), 0).toInt();
    profile.redisTlsCaFile = settings.value(QStringLiteral("redisTlsCaFile")).toString();
    profile.redisTlsCertFile = settings.value(QStringLiteral("redisTlsCertFile")).toString();
    profile.redisTlsKeyFile = settings.value(QStringLiteral("redisTlsKeyFile")).toString();
    return profile;
}

void ProfileStore::save(const ConnectionProfile &given)
{
    if (given.name.trimmed().isEmpty()) {
        qCWarning(lcProfiles, "a profile without a name is not saved");
        return;
    }
    ConnectionProfile profile = given;
    moveUrlCredentials(&profile);

    QSettings settings;
    settings.remove(groupOf(profile.name));
    settings.beginGroup(groupOf(profile.name));
    settings.setValue(QStringLiteral("kafkaBootstrap"), profile.kafkaBootstrap);
    settings.setValue(QStringLiteral("securityProtocol"), profile.securityProtocol);
    settings.setValue(QStringLiteral("saslMechanism"), profile.saslMechanism);
    settings.setValue(QStringLiteral("saslUser"), profile.saslUser);
    settings.setValue(QStringLiteral("caFile"), profile.caFile);
    QStringList extras;
    for (const auto &[key, value] : profile.extraProperties) {
        // A secret among the extras (ssl.key.password, a client secret) is a password
        // too: it is used this session, never written to the file.
        if (kafka::isSecretProperty(key))
            continue;
        extras.append(QString::fromUtf8(key) + QLatin1Char('=') + QString::fromUtf8(value));
    }
    settings.setValue(QStringLiteral("extraProperties"), extras);
    settings.setValue(QStringLiteral("topic"), profile.topic);
    settings.setValue(QStringLiteral("redisUrl"), profile.redisUrl);
    settings.setValue(QStringLiteral("redisUser"), profile.redisUser);
    settings.setValue(QStringLiteral("redisDb"), profile.redisDb);
    // Paths only: the key file stays where the user keeps it.
    settings.setValue(QStringLiteral("redisTlsCaFile"), profile.redisTlsCaFile);
    settings.setValue(QStringLiteral("redisTlsCertFile"), profile.redisTlsCertFile);
    settings.setValue(QStringLiteral("redisTlsKeyFile"), profile.redisTlsKeyFile);
    settings.endGroup();
    settings.sync();

    const QString name = profile.name;
    m_session.insert(name, Secrets{profile.saslPassword, profile.redisPassword});

    if (!m_keychainEnabled) {
        // Queued, so that every caller sees the answer after save() returned, as with the
        // keychain.
        QMetaObject::invokeMethod(
            this,
            [this, name] {
                Q_EMIT passwordsStored(name, false,
                                       notStoredText(QStringLiteral("the keychain is disabled")));
            },
            Qt::QueuedConnection);
        return;
    }

    // Both jobs answer; the second answer emits passwordsStored with both outcomes.
    struct Pending
    {
        int remaining = 2;
        QStringList errors;
    };
    auto pending = std::make_shared<Pending>();
    auto done = [this, name, pending](const QString &error) {
        if (!error.isEmpty())
            pending->errors.append(error);
        if (--pending->remaining > 0)
            return;
        if (pending->errors.isEmpty())
            Q_EMIT passwordsStored(name, true, QString());
        else
            Q_EMIT passwordsStored(name, false,
                                   notStoredText(pending->errors.join(QStringLiteral("; "))));
    };
    writeSecret(kafkaKey(name), profile.saslPassword, done);
    writeSecret(redisKey(name), profile.redisPassword, done);
}

void ProfileStore::writeSecret(const QString &key, const QString &secret,
                               std::function<void(const QString &error)> done)
{
    QKeychain::Job *job = nullptr;
    if (secret.isEmpty()) {
        // An emptied password field means "no password": forget the stored one.
        auto *remove = new QKeychain::DeletePasswordJob(kService, this);
        job = remove;
    } else {
        auto *write = new QKeychain::WritePasswordJob(kService, this);
        write->setTextData(secret);
        job = write;
    }
    job->setKey(key);
    // Never a plain-text file next to the settings when no keychain answers.
    job->setInsecureFallback(false);
    const bool deleting = secret.isEmpty();
    connect(job, &QKeychain::Job::finished, this, [done, deleting](QKeychain::Job *finished) {
        const auto error = finished->error();
        if (error == QKeychain::NoError || (deleting && error == QKeychain::EntryNotFound))
            done(QString());
        else
            done(finished->errorString());
    });
    job->start();
}

void ProfileStore::remove(const QString &name)
{
    if (name.isEmpty())
        return;
    QSettings settings;
    settings.remove(groupOf(name));
    if (settings.value(QStringLiteral("connections/lastProfile")).toString() == name)
        settings.remove(QStringLiteral("connections/lastProfile"));
    settings.sync();
    m_session.remove(name);
    if (!m_keychainEnabled)
        return;
    for (const QString &key : {kafkaKey(name), redisKey(name)}) {
        auto *job = new QKeychain::DeletePasswordJob(kService, this);
        job->setKey(key);
        job->setInsecureFallback(false);
        connect(job, &QKeychain::Job::finished, this, [key](QKeychain::Job *finished) {
            if (finished->error() != QKeychain::NoError &&
                finished->error() != QKeychain::EntryNotFound)
                qCWarning(lcProfiles, "could not delete the keychain entry %s: %s",
                          qUtf8Printable(key), qUtf8Printable(finished->errorString()));
        });
        job->start();
    }
}

void ProfileStore::loadPasswords(const QString &name)
{
    // What was entered this session wins: it is the newest, and it spares a keychain
    // prompt.
    const auto cached = m_session.constFind(name);
    if (cached != m_session.constEnd() || !m_keychainEnabled) {
        const Secrets secrets = cached != m_session.constEnd() ? *cached : Secrets{};
        const QString error =
            cached != m_session.constEnd()
                ? QString()
                : QStringLiteral("The keychain is disabled and no password was entered for "
                                 "\"%1\" this session.")
                      .arg(name);
        QMetaObject::invokeMethod(
            this,
            [this, name, secrets, error] {
                Q_EMIT passwordsLoaded(name, secrets.kafka, secrets.redis, error);
            },
            Qt::QueuedConnection);
        return;
    }

    struct Pending
    {
        int remaining = 2;
        Secrets secrets;
        QStringList errors;
    };
    auto pending = std::make_shared<Pending>();
    const auto read = [this, name, pending](const QString &key, QString Secrets::*field) {
        auto *job = new QKeychain::ReadPasswordJob(kService, this);
        job->setKey(key);
        job->setInsecureFallback(false);
        connect(job, &QKeychain::Job::finished, this,
                [this, name, pending, field](QKeychain::Job *finished) {
                    const auto error = finished->error();
                    if (error == QKeychain::NoError)
                        pending->secrets.*field =
                            static_cast<QKeychain::ReadPasswordJob *>(finished)->textData();
                    // EntryNotFound: the profile has no such password, not a failure.
                    else if (error != QKeychain::EntryNotFound)
                        pending->errors.append(finished->errorString());
                    if (--pending->remaining > 0)
                        return;
                    if (pending->errors.isEmpty())
                        m_session.insert(name, pending->secrets);
                    const QString text =
                        pending->errors.isEmpty()
                            ? QString()
                            : QStringLiteral("The keychain did not give the passwords back "
                                             "(%1): enter them again.")
                                  .arg(pending->errors.join(QStringLiteral("; ")));
                    Q_EMIT passwordsLoaded(name, pending->secrets.kafka, pending->secrets.redis,
                                           text);
                });
        job->start();
    };
    read(kafkaKey(name), &Secrets::kafka);
    read(redisKey(name), &Secrets::redis);
}

QString ProfileStore::lastProfile() const
{
    return QSettings().value(QStringLiteral("connections/lastProfile")).toString();
}

void ProfileStore::setLastProfile(const QString &name)
{
    QSettings().setValue(QStringLiteral("connections/lastProfile"), name);
}

} // namespace dualscope::ui
