// SPDX-License-Identifier: MIT
#pragma once

#include "connections/profile.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace dualscope::probe {
class ConnectionProbe;
}

namespace dualscope::ui {

class ProfileStore;

// Pick, edit, test and save a connection profile, or choose the sandbox. Non-modal use:
// open() it and listen to connectRequested / sandboxRequested.
//
// "Test connection" never blocks the GUI thread: Kafka is asked on a short-lived worker
// thread (KafkaBrowser blocks), Redis is tried by a RedisConnection living on its own
// worker thread; each answer arrives as a sentence in its label.
class ConnectionDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectionDialog)

public:
    // The store must outlive the dialog.
    explicit ConnectionDialog(ProfileStore *store, QWidget *parent = nullptr);
    ~ConnectionDialog() override;

    // The form as a profile, passwords included.
    ConnectionProfile profile() const;
    void setProfile(const ConnectionProfile &profile);
    // Selects a saved profile and asks the store for its passwords.
    void selectProfile(const QString &name);

    void testConnection();
    bool isTesting() const;

Q_SIGNALS:
    void connectRequested(const dualscope::ui::ConnectionProfile &profile);
    void sandboxRequested();

private:
    void refreshNames(const QString &select);
    void newProfile();
    void deleteProfile();
    void saveProfile();
    void connectProfile();
    void updateSecurityFields();

    ProfileStore *m_store;
    QComboBox *m_profiles;
    QLineEdit *m_name;
    QLineEdit *m_bootstrap;
    QComboBox *m_protocol;
    QComboBox *m_mechanism;
    QLineEdit *m_saslUser;
    QLineEdit *m_saslPassword;
    QLineEdit *m_caFile;
    QPlainTextEdit *m_extras;
    QLineEdit *m_topic;
    QLineEdit *m_redisUrl;
    QLineEdit *m_redisUser;
    QLineEdit *m_redisPassword;
    QSpinBox *m_redisDb;
    QLineEdit *m_redisCa;
    QLineEdit *m_redisCert;
    QLineEdit *m_redisKey;
    QLabel *m_kafkaResult;
    QLabel *m_redisResult;
    QLabel *m_status;
    QPushButton *m_test;
    // Asks both streams off the GUI thread; drops an older test's late answers.
    probe::ConnectionProbe *m_probe;
};

} // namespace dualscope::ui
