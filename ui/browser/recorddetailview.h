// SPDX-License-Identifier: MIT
#pragma once

#include "kafka/kafkarecord.h"

#include <QByteArray>
#include <QWidget>
#include <optional>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QTreeWidget;

namespace dualscope::ui {

class ElidedLabel;

// One Kafka record in full, beside the browser's page: key, the event's id (read
// through the field mapping), timestamp and its type, headers, and the value as
// pretty JSON, text or a hex dump (binary values always in hex). Holds a copy of
// the record, so it stays as it was when the page's row goes.
class RecordDetailView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordDetailView)

public:
    explicit RecordDetailView(QWidget *parent = nullptr);
    ~RecordDetailView() override;

    // nullopt: nothing shown. `id` empty: the record has no usable id, and
    // "Show notification" is off.
    void setRecord(const std::optional<kafka::KafkaRecord> &record, const QByteArray &id = {});

signals:
    // "Show notification": the live view selects the notification of this id.
    void showNotificationRequested(const QByteArray &id);

private:
    void renderValue();

    QLineEdit *m_key = nullptr;
    QLineEdit *m_id = nullptr;
    QPushButton *m_showNotification = nullptr;
    ElidedLabel *m_timestamp = nullptr;
    QTreeWidget *m_headers = nullptr;
    QCheckBox *m_hex = nullptr;
    ElidedLabel *m_valueKind = nullptr;
    QPlainTextEdit *m_value = nullptr;
    std::optional<kafka::KafkaRecord> m_record;
};

} // namespace dualscope::ui
