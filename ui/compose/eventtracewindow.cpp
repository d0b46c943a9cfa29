// SPDX-License-Identifier: MIT
#include "compose/eventtracewindow.h"

#include "widgets/elidedlabel.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>
#include <tuple>

namespace dualscope::ui {

namespace {

const QString kUnknown = QStringLiteral("—");

QLabel *valueLabel(const char *name, QWidget *parent)
{
    auto *label = new QLabel(kUnknown, parent);
    label->setObjectName(QLatin1String(name));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

QString milliseconds(double ms)
{
    return QCoreApplication::translate("dualscope::ui::EventTraceWindow", "%1 ms")
        .arg(QLocale().toString(ms, 'f', ms < 10 ? 1 : 0));
}

QString clockTime(qint64 msSinceEpoch)
{
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(QStringLiteral("HH:mm:ss.zzz"));
}

} // namespace

EventTraceWindow::EventTraceWindow(QWidget *parent) : QWidget(parent, Qt::Window)
{
    setObjectName(QStringLiteral("eventTrace"));
    setWindowTitle(tr("Trace of one event"));
    buildUi();
}

EventTraceWindow::~EventTraceWindow() = default;

void EventTraceWindow::buildUi()
{
    m_title = new ElidedLabel(this, 20);
    m_title->setObjectName(QStringLiteral("traceTitle"));
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    // A titled box of "name: value" rows; the values are the labels the trace fills.
    const auto box =
        [this](const QString &title,
               std::initializer_list<std::tuple<QString, const char *, QLabel **>> rows) {
            auto *group = new QGroupBox(title, this);
            auto *form = new QFormLayout(group);
            for (const auto &[name, objectName, label] : rows) {
                *label = valueLabel(objectName, group);
                form->addRow(name, *label);
            }
            return group;
        };
    QGroupBox *kafka = box(tr("Kafka"), {{tr("Record"), "traceKafkaStatus", &m_kafkaStatus},
                                         {tr("Where"), "traceKafkaPlace", &m_kafkaPlace},
                                         {tr("Acknowledged in"), "traceKafkaAck", &m_kafkaAck}});
    QGroupBox *redis =
        box(tr("Notification"), {{tr("Publisher"), "tracePublisherRedis", &m_publisherRedis},
                                 {tr("Staged"), "traceStaged", &m_staged},
                                 {tr("Channel"), "traceChannel", &m_channel},
                                 {tr("Received"), "traceReceived", &m_received},
                                 {tr("Latency"), "traceLatency", &m_latency}});
    m_staged->setToolTip(tr("Defects the publisher staged on this event on purpose (Fire "
                            "panel, Stage defects): the verdict should name them"));

    auto *verdict = new QGroupBox(tr("Verdict"), this);
    auto *verdictLayout = new QVBoxLayout(verdict);
    m_verdict = valueLabel("traceVerdict", verdict);
    QFont verdictFont = m_verdict->font();
    verdictFont.setBold(true);
    m_verdict->setFont(verdictFont);
    m_detail = valueLabel("traceDetail", verdict);
    verdictLayout->addWidget(m_verdict);
    verdictLayout->addWidget(m_detail);

    m_showRecord = new QPushButton(tr("Show in Kafka"), this);
    m_showRecord->setObjectName(QStringLiteral("traceShowRecord"));
    m_showNotification = new QPushButton(tr("Show notification"), this);
    m_showNotification->setObjectName(QStringLiteral("traceShowNotification"));
    auto *close = new QPushButton(tr("Close"), this);
    connect(m_showRecord, &QPushButton::clicked, this,
            [this] { emit showRecordRequested(m_partition, m_offset); });
    connect(m_showNotification, &QPushButton::clicked, this,
            [this] { emit showNotificationRequested(m_id); });
    connect(close, &QPushButton::clicked, this, &QWidget::close);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_showRecord);
    buttons->addWidget(m_showNotification);
    buttons->addStretch(1);
    buttons->addWidget(close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(kafka);
    layout->addWidget(redis);
    layout->addWidget(verdict);
    layout->addStretch(1);
    layout->addLayout(buttons);
    begin(QString());
}

void EventTraceWindow::begin(const QString &topic)
{
    m_id.clear();
    m_topic = topic;
    m_partition = -1;
    m_offset = -1;
    m_notificationSeen = false;
    m_title->setFullText(tr("Firing one event…"));
    for (QLabel *label : {m_kafkaStatus, m_kafkaPlace, m_kafkaAck, m_publisherRedis, m_channel,
                          m_received, m_latency})
        label->setText(kUnknown);
    m_staged->setText(tr("none"));
    setVerdict(tr("waiting for the publisher"), QString(), palette().color(QPalette::WindowText));
    updateButtons();
}

void EventTraceWindow::setPublishOutcome(const publish::PublishOutcome &outcome)
{
    m_id = outcome.eventId;
    m_title->setFullText(tr("Event %1").arg(QString::fromUtf8(outcome.eventId)));
    switch (outcome.kafkaStatus) {
    case publish::KafkaStatus::Persisted:
        m_kafkaStatus->setText(tr("acknowledged"));
        break;
    case publish::KafkaStatus::PossiblyPersisted:
        m_kafkaStatus->setText(
            tr("possibly persisted (no acknowledgement): %1").arg(outcome.kafkaError));
        break;
    case publish::KafkaStatus::NotPersisted:
        m_kafkaStatus->setText(tr("not persisted: %1").arg(outcome.kafkaError));
        break;
    }
    if (outcome.kafkaOk) {
        setPlace(outcome.partition, outcome.offset);
        m_kafkaAck->setText(milliseconds(outcome.kafkaAckUs / 1000.0));
    }
    QString redis = QLatin1String(publish::toString(outcome.redis));
    if (!outcome.redisError.isEmpty())
        redis += QStringLiteral(": ") + outcome.redisError;
    m_publisherRedis->setText(redis);
    if (!outcome.kafkaOk && outcome.redis == publish::RedisOutcome::NotAttempted)
        setVerdict(tr("no event"),
                   tr("Kafka did not persist the record, so kafka-first ordering sent no "
                      "notification: nothing for the checker to reconcile."),
                   palette().color(QPalette::WindowText));
    else
        setVerdict(tr("the checker has not read it yet"), QString(),
                   palette().color(QPalette::WindowText));
    updateButtons();
}

void EventTraceWindow::setPlace(qint32 partition, qint64 offset)
{
    m_partition = partition;
    m_offset = offset;
    m_kafkaPlace->setText(
        tr("%1, partition %2, offset %3").arg(m_topic).arg(partition).arg(offset));
}

void EventTraceWindow::setStaged(const QString &defects)
{
    m_staged->setText(defects.isEmpty() ? tr("none") : defects);
}

void EventTraceWindow::setStatus(const gap::EventStatus &status)
{
    if (m_id.isEmpty() || status.id != m_id)
        return;
    if (status.partition >= 0 && m_partition < 0)
        setPlace(status.partition, status.offset);
    if (!status.channel.isEmpty()) {
        m_notificationSeen = true;
        QString channel = QString::fromUtf8(status.channel);
        if (!status.expectedChannel.isEmpty() && status.channel != status.expectedChannel)
            channel += QLatin1Char(' ') +
                       tr("(the template gives %1)").arg(QString::fromUtf8(status.expectedChannel));
        if (status.copies > 1)
            channel += QLatin1Char(' ') + tr("— %1 copies").arg(status.copies);
        m_channel->setText(channel);
    }
    if (status.redisTsMs >= 0)
        m_received->setText(clockTime(status.redisTsMs));
    if (status.latencyMs >= 0)
        m_latency->setText(milliseconds(double(status.latencyMs)));

    const QColor neutral = palette().color(QPalette::WindowText);
    switch (status.stage) {
    case gap::EventStatus::Stage::NotSeen:
        setVerdict(tr("the checker has not read it yet"), status.detail, neutral);
        break;
    case gap::EventStatus::Stage::AwaitingNotification:
        setVerdict(tr("record read, waiting for its notification"),
                   tr("The checker waits up to its grace window before it calls the "
                      "notification missing."),
                   neutral);
        break;
    case gap::EventStatus::Stage::AwaitingKafka:
        setVerdict(tr("notification read, waiting for its record"), status.detail, neutral);
        break;
    case gap::EventStatus::Stage::Judged: {
        QString verdict = QLatin1String(gap::kindName(status.verdict));
        if (status.copies > 1)
            verdict += QStringLiteral(", ") + QLatin1String(gap::kindName(gap::GapKind::Duplicate));
        QColor color(QStringLiteral("#b00020")); // the system under test lost or broke it
        if (status.verdict == gap::GapKind::Matched && status.copies <= 1)
            color = QColor(QStringLiteral("#1b7f3b"));
        else if (status.verdict == gap::GapKind::Late && status.copies <= 1)
            color = QColor(QStringLiteral("#a66a00"));
        else if (status.verdict == gap::GapKind::Unobserved)
            color = neutral; // the checker could not see: no fault is claimed
        QString detail = status.detail;
        if (detail.isEmpty() && status.latencyMs >= 0)
            detail = tr("Notified %1 after its record's timestamp.")
                         .arg(milliseconds(double(status.latencyMs)));
        setVerdict(verdict, detail, color);
        break;
    }
    }
    updateButtons();
}

void EventTraceWindow::setFireError(const QString &error)
{
    m_title->setFullText(tr("The event was not fired"));
    setVerdict(tr("not fired"), error, QColor(QStringLiteral("#b00020")));
    updateButtons();
}

QString EventTraceWindow::verdictText() const
{
    return m_verdict->text();
}

void EventTraceWindow::setVerdict(const QString &text, const QString &detail, const QColor &color)
{
    m_verdict->setText(text);
    QPalette palette = m_verdict->palette();
    palette.setColor(QPalette::WindowText, color);
    m_verdict->setPalette(palette);
    m_detail->setText(detail);
    m_detail->setVisible(!detail.isEmpty());
}

void EventTraceWindow::updateButtons()
{
    m_showRecord->setEnabled(m_partition >= 0 && m_offset >= 0);
    m_showNotification->setEnabled(m_notificationSeen);
}

} // namespace dualscope::ui
