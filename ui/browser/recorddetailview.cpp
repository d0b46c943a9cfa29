// SPDX-License-Identifier: MIT
#include "browser/recorddetailview.h"

#include "browser/recordpagemodel.h"
#include "widgets/elidedlabel.h"

#include <QCheckBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace dualscope::ui {

namespace {

// Classic 16 bytes per line: offset, hex, printable ASCII.
QString hexDump(const QByteArray &bytes)
{
    QString out;
    for (qsizetype line = 0; line < bytes.size(); line += 16) {
        const QByteArray chunk = bytes.mid(line, 16);
        out += QStringLiteral("%1  ").arg(line, 8, 16, QLatin1Char('0'));
        for (int i = 0; i < 16; ++i) {
            if (i < chunk.size())
                out += QString::fromLatin1(chunk.mid(i, 1).toHex()) + QLatin1Char(' ');
            else
                out += QLatin1String("   ");
            if (i == 7)
                out += QLatin1Char(' ');
        }
        out += QLatin1String(" |");
        for (const char c : chunk)
            out += (c >= 0x20 && c < 0x7f) ? QLatin1Char(c) : QLatin1Char('.');
        out += QLatin1String("|\n");
    }
    return out;
}

QString bytesText(const QByteArray &bytes, bool isNull)
{
    if (isNull)
        return QString();
    return RecordPageModel::isText(bytes) ? QString::fromUtf8(bytes)
                                          : QString::fromLatin1(bytes.toHex(' '));
}

QString timestampTypeText(kafka::KafkaRecord::TimestampType type)
{
    switch (type) {
    case kafka::KafkaRecord::TimestampType::CreateTime:
        return QStringLiteral("CreateTime");
    case kafka::KafkaRecord::TimestampType::LogAppendTime:
        return QStringLiteral("LogAppendTime");
    case kafka::KafkaRecord::TimestampType::NotAvailable:
        break;
    }
    return QStringLiteral("no timestamp");
}

} // namespace

RecordDetailView::RecordDetailView(QWidget *parent) : QWidget(parent)
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_key = new QLineEdit(this);
    m_key->setObjectName(QStringLiteral("recordKey"));
    m_key->setReadOnly(true);
    // Elided, the whole text in the tooltip: a long time and its type must not widen
    // the pane (and squeeze the page's table beside it).
    m_timestamp = new ElidedLabel(this, 12);
    m_timestamp->setObjectName(QStringLiteral("recordTimestamp"));
    m_timestamp->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_headers = new QTreeWidget(this);
    m_headers->setObjectName(QStringLiteral("recordHeaders"));
    m_headers->setHeaderLabels({tr("Header"), tr("Value")});
    m_headers->setRootIsDecorated(false);
    m_headers->setMaximumHeight(120);
    m_id = new QLineEdit(this);
    m_id->setObjectName(QStringLiteral("recordId"));
    m_id->setReadOnly(true);
    m_showNotification = new QPushButton(tr("Show notification"), this);
    m_showNotification->setObjectName(QStringLiteral("showNotification"));
    m_showNotification->setToolTip(tr("Select this event's notification in the live view"));
    m_showNotification->setEnabled(false);
    m_hex = new QCheckBox(tr("Hex"), this);
    m_hex->setObjectName(QStringLiteral("hexView"));
    m_valueKind = new ElidedLabel(this, 8);
    m_valueKind->setObjectName(QStringLiteral("valueKind"));
    m_value = new QPlainTextEdit(this);
    m_value->setObjectName(QStringLiteral("recordValue"));
    m_value->setReadOnly(true);
    m_value->setFont(mono);
    m_value->setLineWrapMode(QPlainTextEdit::NoWrap);

    auto *detailLayout = new QVBoxLayout(this);
    detailLayout->setContentsMargins(0, 0, 0, 0);
    auto *form = new QFormLayout;
    // Key and id on one line: the detail pane's height goes to the value.
    auto *keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(new QLabel(tr("Id"), this));
    keyRow->addWidget(m_id, 1);
    form->addRow(tr("Key"), keyRow);
    form->addRow(tr("Timestamp"), m_timestamp);
    detailLayout->addLayout(form);
    detailLayout->addWidget(m_headers);
    auto *valueRow = new QHBoxLayout;
    valueRow->addWidget(m_valueKind, 1);
    valueRow->addWidget(m_hex);
    valueRow->addWidget(m_showNotification);
    detailLayout->addLayout(valueRow);
    detailLayout->addWidget(m_value, 1);

    connect(m_hex, &QCheckBox::toggled, this, &RecordDetailView::renderValue);
    connect(m_showNotification, &QPushButton::clicked, this,
            [this] { emit showNotificationRequested(m_id->text().toUtf8()); });
    setRecord(std::nullopt);
}

RecordDetailView::~RecordDetailView() = default;

void RecordDetailView::setRecord(const std::optional<kafka::KafkaRecord> &record,
                                 const QByteArray &id)
{
    m_record = record;
    m_headers->clear();
    m_id->setText(QString::fromUtf8(id));
    m_id->setPlaceholderText(record && id.isEmpty() ? tr("(no id)") : QString());
    m_showNotification->setEnabled(!id.isEmpty());
    if (!record) {
        m_headers->hide();
        m_key->clear();
        m_key->setPlaceholderText(QString());
        m_timestamp->setFullText(QString());
        m_valueKind->setFullText(QString());
        m_value->clear();
        return;
    }
    m_key->setText(bytesText(record->key, record->keyIsNull));
    m_key->setPlaceholderText(record->keyIsNull ? tr("(null key)") : QString());
    m_timestamp->setFullText(RecordPageModel::timestampText(*record) + QStringLiteral(" (") +
                             timestampTypeText(record->timestampType) + QLatin1Char(')') +
                             (record->headers.isEmpty() ? tr("; no headers") : QString()));
    // Most records carry none: the value gets the room then.
    m_headers->setVisible(!record->headers.isEmpty());
    for (const auto &[name, value] : record->headers) {
        auto *item = new QTreeWidgetItem(m_headers);
        item->setText(0, QString::fromUtf8(name));
        item->setText(1, value.isNull() ? tr("(null)") : bytesText(value, false));
    }
    renderValue();
}

void RecordDetailView::renderValue()
{
    if (!m_record) {
        m_value->clear();
        return;
    }
    const QByteArray &value = m_record->value;
    if (m_record->valueIsNull) {
        m_valueKind->setFullText(tr("null value (a tombstone)"));
        m_value->clear();
        return;
    }
    const bool text = RecordPageModel::isText(value);
    if (m_hex->isChecked() || !text) {
        m_valueKind->setFullText(
            text ? tr("%n byte(s), hex", nullptr, static_cast<int>(value.size()))
                 : tr("binary, %n byte(s), hex", nullptr, static_cast<int>(value.size())));
        m_value->setPlainText(hexDump(value));
        return;
    }
    QJsonParseError error;
    const QJsonDocument json = QJsonDocument::fromJson(value, &error);
    if (error.error == QJsonParseError::NoError && !json.isNull()) {
        m_valueKind->setFullText(tr("JSON, %n byte(s)", nullptr, static_cast<int>(value.size())));
        m_value->setPlainText(QString::fromUtf8(json.toJson(QJsonDocument::Indented)));
    } else {
        m_valueKind->setFullText(tr("text, %n byte(s)", nullptr, static_cast<int>(value.size())));
        m_value->setPlainText(QString::fromUtf8(value));
    }
}

} // namespace dualscope::ui
