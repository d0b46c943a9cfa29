// SPDX-License-Identifier: MIT
#pragma once

#include "connections/profile.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <functional>

namespace QKeychain {
class Job;
}

namespace dualscope::ui {

// Connection profiles in QSettings ("profiles/<name>/..."), their two passwords in the
// system keychain (service "dualscope", keys "<name>/kafka" and "<name>/redis"). The
// passwords never reach the settings file: when the keychain is unavailable they live in
// an in-memory cache for this session only, and passwordsStored says so.
//
// Threads: GUI thread only; keychain jobs are asynchronous and their signals arrive there.
class ProfileStore final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProfileStore)

public:
    explicit ProfileStore(QObject *parent = nullptr);
    ~ProfileStore() override;

    // Off: passwords are only kept in the session cache (tests, machines without a
    // secret service). On by default.
    void setKeychainEnabled(bool enabled) { m_keychainEnabled = enabled; }
    bool isKeychainEnabled() const { return m_keychainEnabled; }

    QStringList names() const;
    bool contains(const QString &name) const;
    // The saved fields; saslPassword and redisPassword are always empty.
    ConnectionProfile load(const QString &name) const;
    // Writes the settings now and the passwords asynchronously (passwordsStored follows).
    // Credentials typed into the Redis URL are moved out of it before it is written.
    void save(const ConnectionProfile &profile);
    // The settings group, the keychain entries and the session cache.
    void remove(const QString &name);

    // Asynchronous, answered by exactly one passwordsLoaded(name, ...).
    void loadPasswords(const QString &name);

    QString lastProfile() const;
    void setLastProfile(const QString &name);

Q_SIGNALS:
    // error is empty when every password was found (or none was ever stored).
    void passwordsLoaded(const QString &name, const QString &kafkaPassword,
                         const QString &redisPassword, const QString &error);
    // storedInKeychain false: the passwords are kept for this session only; error says why.
    void passwordsStored(const QString &name, bool storedInKeychain, const QString &error);

private:
    struct Secrets
    {
        QString kafka;
        QString redis;
    };

    void writeSecret(const QString &key, const QString &secret,
                     std::function<void(const QString &error)> done);

    bool m_keychainEnabled = true;
    // Passwords entered or read this session, by profile name: they keep working when the
    // keychain refuses them. Memory only.
    QHash<QString, Secrets> m_session;
};

} // namespace dualscope::ui
