// SPDX-License-Identifier: MIT
#include "connections/connectiondialog.h"

#include "connections/profilestore.h"
#include "probe/connectionprobe.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <memory>

namespace dualscope::ui {

namespace {

template <typename T> T *named(T *widget, const char *name)
{
    widget->setObjectName(QLatin1String(name));
    return widget;
}

bool parseExtras(const QString &text, kafka::Properties *properties, QString *error)
{
    const QStringList lines = text.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        if (line.trimmed().isEmpty())
            continue;
        std::pair<QByteArray, QByteArray> property;
        if (!kafka::parseProperty(line.trimmed(), &property, error))
            return false;
        properties->append(property);
    }
    return true;
}

} // namespace

ConnectionDialog::ConnectionDialog(ProfileStore *store, QWidget *parent)
    : QDialog(parent), m_store(store)
{
    setWindowTitle(tr("Connections"));

    m_profiles = named(new QComboBox, "profiles");
    auto *newButton = named(new QPushButton(tr("New")), "new");
    auto *deleteButton = named(new QPushButton(tr("Delete")), "delete");
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Profile:")));
    top->addWidget(m_profiles, 1);
    top->addWidget(newButton);
    top->addWidget(deleteButton);

    m_name = named(new QLineEdit, "name");
    m_bootstrap = named(new QLineEdit, "kafkaBootstrap");
    m_bootstrap->setPlaceholderText(QStringLiteral("host1:9092,host2:9092"));
    m_protocol = named(new QComboBox, "securityProtocol");
    m_protocol->addItems({QStringLiteral("plaintext"), QStringLiteral("ssl"),
                          QStringLiteral("sasl_plaintext"), QStringLiteral("sasl_ssl")});
    m_mechanism = named(new QComboBox, "saslMechanism");
    m_mechanism->addItems({QStringLiteral("PLAIN"), QStringLiteral("SCRAM-SHA-256"),
                           QStringLiteral("SCRAM-SHA-512")});
    m_saslUser = named(new QLineEdit, "saslUser");
    m_saslPassword = named(new QLineEdit, "saslPassword");
    m_saslPassword->setEchoMode(QLineEdit::Password);
    m_caFile = named(new QLineEdit, "caFile");
    m_extras = named(new QPlainTextEdit, "extraProperties");
    m_extras->setPlaceholderText(tr("one key=value per line, e.g. client.id=dualscope"));
    m_topic = named(new QLineEdit, "topic");
    m_redisUrl = named(new QLineEdit, "redisUrl");
    m_redisUrl->setPlaceholderText(QStringLiteral("redis://host:6379"));
    m_redisUser = named(new QLineEdit, "redisUser");
    m_redisPassword = named(new QLineEdit, "redisPassword");
    m_redisPassword->setEchoMode(QLineEdit::Password);
    m_redisDb = named(new QSpinBox, "redisDb");
    m_redisDb->setRange(0, 15);
    m_redisCa = named(new QLineEdit, "redisTlsCaFile");
    m_redisCa->setPlaceholderText(tr("rediss:// only; empty: the system's CAs"));
    m_redisCert = named(new QLineEdit, "redisTlsCertFile");
    m_redisCert->setPlaceholderText(tr("PEM, with the key below"));
    m_redisKey = named(new QLineEdit, "redisTlsKeyFile");
    m_redisKey->setPlaceholderText(tr("PEM, not encrypted"));

    auto *kafkaBox = new QGroupBox(tr("Kafka"));
    auto *kafkaForm = new QFormLayout(kafkaBox);
    kafkaForm->addRow(tr("Bootstrap servers:"), m_bootstrap);
    kafkaForm->addRow(tr("Topic:"), m_topic);
    kafkaForm->addRow(tr("Security protocol:"), m_protocol);
    kafkaForm->addRow(tr("SASL mechanism:"), m_mechanism);
    kafkaForm->addRow(tr("SASL user:"), m_saslUser);
    kafkaForm->addRow(tr("SASL password:"), m_saslPassword);
    kafkaForm->addRow(tr("CA file:"), m_caFile);
    kafkaForm->addRow(tr("Extra properties:"), m_extras);

    auto *redisBox = new QGroupBox(tr("Redis"));
    auto *redisForm = new QFormLayout(redisBox);
    redisForm->addRow(tr("URL:"), m_redisUrl);
    redisForm->addRow(tr("User:"), m_redisUser);
    redisForm->addRow(tr("Password:"), m_redisPassword);
    redisForm->addRow(tr("Database:"), m_redisDb);
    redisForm->addRow(tr("TLS CA file:"), m_redisCa);
    redisForm->addRow(tr("Client certificate:"), m_redisCert);
    redisForm->addRow(tr("Client key:"), m_redisKey);

    m_kafkaResult = named(new QLabel, "kafkaResult");
    m_redisResult = named(new QLabel, "redisResult");
    m_status = named(new QLabel, "status");
    for (QLabel *label : {m_kafkaResult, m_redisResult, m_status}) {
        label->setWordWrap(true);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }

    m_test = named(new QPushButton(tr("Test connection")), "test");
    auto *saveButton = named(new QPushButton(tr("Save")), "save");
    auto *sandboxButton = named(new QPushButton(tr("Use the sandbox")), "sandbox");
    auto *buttons = new QDialogButtonBox;
    auto *connectButton =
        named(buttons->addButton(tr("Connect"), QDialogButtonBox::AcceptRole), "connect");
    connectButton->setDefault(true);
    buttons->addButton(QDialogButtonBox::Cancel);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_test);
    bottom->addWidget(saveButton);
    bottom->addWidget(sandboxButton);
    bottom->addStretch(1);
    bottom->addWidget(buttons);

    auto *nameForm = new QFormLayout;
    nameForm->addRow(tr("Name:"), m_name);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(nameForm);
    layout->addWidget(kafkaBox);
    layout->addWidget(redisBox);
    layout->addWidget(m_kafkaResult);
    layout->addWidget(m_redisResult);
    layout->addWidget(m_status);
    layout->addLayout(bottom);

    connect(newButton, &QPushButton::clicked, this, &ConnectionDialog::newProfile);
    connect(deleteButton, &QPushButton::clicked, this, &ConnectionDialog::deleteProfile);
    connect(saveButton, &QPushButton::clicked, this, &ConnectionDialog::saveProfile);
    connect(m_test, &QPushButton::clicked, this, &ConnectionDialog::testConnection);
    m_probe = new probe::ConnectionProbe(this);
    connect(m_probe, &probe::ConnectionProbe::kafkaAnswered, m_kafkaResult, &QLabel::setText);
    connect(m_probe, &probe::ConnectionProbe::redisAnswered, m_redisResult, &QLabel::setText);
    connect(m_probe, &probe::ConnectionProbe::finished, m_test,
            [this] { m_test->setEnabled(true); });
    connect(sandboxButton, &QPushButton::clicked, this, [this] {
        Q_EMIT sandboxRequested();
        accept();
    });
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectionDialog::connectProfile);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_protocol, &QComboBox::currentTextChanged, this,
            &ConnectionDialog::updateSecurityFields);
    connect(m_profiles, &QComboBox::textActivated, this, &ConnectionDialog::selectProfile);

    connect(m_store, &ProfileStore::passwordsLoaded, this,
            [this](const QString &name, const QString &kafkaPassword, const QString &redisPassword,
                   const QString &error) {
                // The user may have moved on to another profile meanwhile.
                if (name != m_name->text())
                    return;
                // Never overwrite what the user typed while the keychain was asked.
                if (m_saslPassword->text().isEmpty())
                    m_saslPassword->setText(kafkaPassword);
                if (m_redisPassword->text().isEmpty())
                    m_redisPassword->setText(redisPassword);
                if (!error.isEmpty())
                    m_status->setText(error);
            });
    connect(m_store, &ProfileStore::passwordsStored, this,
            [this](const QString &name, bool storedInKeychain, const QString &error) {
                m_status->setText(
                    storedInKeychain
                        ? tr("Saved \"%1\"; the passwords are in the keychain.").arg(name)
                        : tr("Saved \"%1\". %2").arg(name, error));
            });

    updateSecurityFields();
    const QString last = m_store->lastProfile();
    refreshNames(last);
    if (m_store->contains(last))
        selectProfile(last);
}

// Running tests are not waited for: their threads finish on their own within the
// timeout, and their answers die with the connections to this dialog.
ConnectionDialog::~ConnectionDialog() = default;

ConnectionProfile ConnectionDialog::profile() const
{
    ConnectionProfile p;
    p.name = m_name->text().trimmed();
    p.kafkaBootstrap = m_bootstrap->text().trimmed().toUtf8();
    p.securityProtocol = m_protocol->currentText();
    p.saslMechanism = m_mechanism->currentText();
    p.saslUser = m_saslUser->text();
    p.saslPassword = m_saslPassword->text();
    p.caFile = m_caFile->text().trimmed();
    QString error;
    parseExtras(m_extras->toPlainText(), &p.extraProperties, &error);
    p.topic = m_topic->text().trimmed().toUtf8();
    p.redisUrl = m_redisUrl->text().trimmed();
    p.redisUser = m_redisUser->text();
    p.redisPassword = m_redisPassword->text();
    p.redisDb = m_redisDb->value();
    p.redisTlsCaFile = m_redisCa->text().trimmed();
    p.redisTlsCertFile = m_redisCert->text().trimmed();
    p.redisTlsKeyFile = m_redisKey->text().trimmed();
    return p;
}

void ConnectionDialog::setProfile(const ConnectionProfile &p)
{
    m_name->setText(p.name);
    m_bootstrap->setText(QString::fromUtf8(p.kafkaBootstrap));
    m_protocol->setCurrentText(p.securityProtocol);
    m_mechanism->setCurrentText(p.saslMechanism);
    m_saslUser->setText(p.saslUser);
    m_saslPassword->setText(p.saslPassword);
    m_caFile->setText(p.caFile);
    QStringList extras;
    for (const auto &[key, value] : p.extraProperties)
        extras.append(QString::fromUtf8(key) + QLatin1Char('=') + QString::fromUtf8(value));
    m_extras->setPlainText(extras.join(QLatin1Char('\n')));
    m_topic->setText(QString::fromUtf8(p.topic));
    m_redisUrl->setText(p.redisUrl);
    m_redisUser->setText(p.redisUser);
    m_redisPassword->setText(p.redisPassword);
    m_redisDb->setValue(p.redisDb);
    m_redisCa->setText(p.redisTlsCaFile);
    m_redisCert->setText(p.redisTlsCertFile);
    m_redisKey->setText(p.redisTlsKeyFile);
    m_kafkaResult->clear();
    m_redisResult->clear();
}

void ConnectionDialog::selectProfile(const QString &name)
{
    if (!m_store->contains(name))
        return;
    m_profiles->setCurrentText(name);
    setProfile(m_store->load(name));
    m_status->clear();
    m_store->loadPasswords(name);
}

void ConnectionDialog::refreshNames(const QString &select)
{
    const QSignalBlocker blocker(m_profiles);
    m_profiles->clear();
    m_profiles->addItems(m_store->names());
    const int index = m_profiles->findText(select);
    m_profiles->setCurrentIndex(index);
}

void ConnectionDialog::newProfile()
{
    setProfile(ConnectionProfile{});
    m_profiles->setCurrentIndex(-1);
    m_status->setText(tr("A new profile: give it a name, then Save."));
    m_name->setFocus();
}

void ConnectionDialog::deleteProfile()
{
    const QString name = m_profiles->currentText();
    if (name.isEmpty())
        return;
    m_store->remove(name);
    refreshNames(QString());
    setProfile(ConnectionProfile{});
    m_status->setText(tr("Deleted \"%1\".").arg(name));
}

void ConnectionDialog::saveProfile()
{
    QString error;
    kafka::Properties extras;
    if (!parseExtras(m_extras->toPlainText(), &extras, &error)) {
        m_status->setText(tr("Not saved: %1").arg(error));
        return;
    }
    const ConnectionProfile p = profile();
    if (p.name.isEmpty()) {
        m_status->setText(tr("Not saved: the profile needs a name."));
        return;
    }
    m_store->save(p);
    refreshNames(p.name);
    m_status->setText(tr("Saved \"%1\".").arg(p.name));
}

void ConnectionDialog::connectProfile()
{
    QString error;
    kafka::Properties extras;
    if (!parseExtras(m_extras->toPlainText(), &extras, &error)) {
        m_status->setText(tr("Cannot connect: %1").arg(error));
        return;
    }
    const ConnectionProfile p = profile();
    if (m_store->contains(p.name))
        m_store->setLastProfile(p.name);
    Q_EMIT connectRequested(p);
    accept();
}

void ConnectionDialog::updateSecurityFields()
{
    const QString protocol = m_protocol->currentText();
    const bool sasl = protocol.startsWith(QLatin1String("sasl_"));
    const bool tls = protocol.endsWith(QLatin1String("ssl"));
    m_mechanism->setEnabled(sasl);
    m_saslUser->setEnabled(sasl);
    m_saslPassword->setEnabled(sasl);
    m_caFile->setEnabled(tls);
}

bool ConnectionDialog::isTesting() const
{
    return m_probe->isRunning();
}

void ConnectionDialog::testConnection()
{
    if (isTesting())
        return;
    QString error;
    kafka::Properties extras;
    if (!parseExtras(m_extras->toPlainText(), &extras, &error)) {
        m_kafkaResult->setText(QStringLiteral("Kafka: ") + error);
        return;
    }
    const ConnectionProfile p = profile();
    probe::ProbeTarget target;
    target.kafkaBootstrap = p.kafkaBootstrap;
    target.kafkaProperties = p.kafkaProperties();
    target.topic = p.topic;
    target.redisUrl = redis::RedisUrl::parse(p.redisUrlWithCredentials(), &target.redisUrlError);
    if (target.redisUrl)
        p.applyTlsFiles(&*target.redisUrl);
    m_test->setEnabled(false);
    m_kafkaResult->setText(tr("Kafka: testing..."));
    m_redisResult->setText(tr("Redis: testing..."));
    m_probe->probe(target);
}

} // namespace dualscope::ui
