// SPDX-License-Identifier: MIT
#pragma once

#include "gap/gaptypes.h"
#include "publish/publishoutcome.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace dualscope::ui {

class ElidedLabel;

// "Fire one": one event followed through both streams in one window. Kafka (the
// publisher's outcome: partition, offset, ack latency), its notification (what the
// publisher did, then the channel, receipt and latency the checker saw) and the
// checker's verdict, updated as each arrives. It shows values only; app/ feeds it
// the publisher's outcome and the check session's eventTraced(). GUI thread only.
class EventTraceWindow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EventTraceWindow)

public:
    explicit EventTraceWindow(QWidget *parent = nullptr);
    ~EventTraceWindow() override;

    // A new trace: every field is cleared until the event's outcome comes.
    void begin(const QString &topic);
    // The fired event's outcome; its id is the one traced from now on.
    void setPublishOutcome(const dualscope::publish::PublishOutcome &outcome);
    // What the publisher staged on this event on purpose ("missing"), if anything.
    void setStaged(const QString &defects);
    // The checker's view of the traced id; another id's status is ignored.
    void setStatus(const dualscope::gap::EventStatus &status);
    // The event could not be fired at all.
    void setFireError(const QString &error);

    QByteArray tracedId() const { return m_id; }
    // The verdict line as shown ("matched", "waiting for its notification", …).
    QString verdictText() const;

signals:
    void showRecordRequested(qint32 partition, qint64 offset);
    void showNotificationRequested(const QByteArray &id);

private:
    void buildUi();
    void setVerdict(const QString &text, const QString &detail, const QColor &color);
    void setPlace(qint32 partition, qint64 offset);
    void updateButtons();

    QByteArray m_id;
    QString m_topic;
    qint32 m_partition = -1;
    qint64 m_offset = -1;
    bool m_notificationSeen = false;
    ElidedLabel *m_title = nullptr;
    QLabel *m_kafkaStatus = nullptr;
    QLabel *m_kafkaPlace = nullptr;
    QLabel *m_kafkaAck = nullptr;
    QLabel *m_publisherRedis = nullptr;
    QLabel *m_staged = nullptr;
    QLabel *m_channel = nullptr;
    QLabel *m_received = nullptr;
    QLabel *m_latency = nullptr;
    QLabel *m_verdict = nullptr;
    QLabel *m_detail = nullptr;
    QPushButton *m_showRecord = nullptr;
    QPushButton *m_showNotification = nullptr;
};

} // namespace dualscope::ui
