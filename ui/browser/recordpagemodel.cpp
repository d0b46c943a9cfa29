// SPDX-License-Identifier: MIT
#include "browser/recordpagemodel.h"

#include <QDateTime>
#include <QFont>
#include <QGuiApplication>
#include <QPalette>
#include <QStringDecoder>
#include <algorithm>

namespace dualscope::ui {

RecordPageModel::RecordPageModel(QObject *parent) : QAbstractTableModel(parent) {}

void RecordPageModel::setCapacity(int capacity)
{
    m_capacity = std::max(1, capacity);
    trimTo(m_capacity);
}

void RecordPageModel::setRecords(const QList<kafka::KafkaRecord> &records, bool newestFirst)
{
    beginResetModel();
    m_newestFirst = newestFirst;
    const qsizetype keep = std::min<qsizetype>(records.size(), m_capacity);
    // Over capacity, the newest records stay: the first ones in newest-first order.
    const auto first = newestFirst ? records.cbegin() : records.cend() - keep;
    m_records.assign(first, first + keep);
    m_ids.assign(m_records.size(), std::nullopt);
    endResetModel();
}

void RecordPageModel::appendRecords(const QList<kafka::KafkaRecord> &records)
{
    if (records.isEmpty())
        return;
    const qsizetype count = std::min<qsizetype>(records.size(), m_capacity);
    const auto newest = records.cend() - count; // the batch's newest `count` records
    const int size = static_cast<int>(m_records.size());
    if (m_newestFirst) {
        beginInsertRows({}, 0, static_cast<int>(count) - 1);
        for (auto it = newest; it != records.cend(); ++it) {
            m_records.push_front(*it);
            m_ids.push_front(std::nullopt);
        }
    } else {
        beginInsertRows({}, size, size + static_cast<int>(count) - 1);
        m_records.insert(m_records.end(), newest, records.cend());
        m_ids.resize(m_records.size());
    }
    endInsertRows();
    trimTo(m_capacity);
}

void RecordPageModel::clear()
{
    beginResetModel();
    m_records.clear();
    m_ids.clear();
    endResetModel();
}

void RecordPageModel::trimTo(int capacity)
{
    const int size = static_cast<int>(m_records.size());
    const int excess = size - capacity;
    if (excess <= 0)
        return;
    // The oldest records go: at the bottom in newest-first order, else at the top.
    // `last` of the remove pair is inclusive.
    if (m_newestFirst) {
        beginRemoveRows({}, size - excess, size - 1);
        m_records.erase(m_records.end() - excess, m_records.end());
        m_ids.erase(m_ids.end() - excess, m_ids.end());
    } else {
        beginRemoveRows({}, 0, excess - 1);
        m_records.erase(m_records.begin(), m_records.begin() + excess);
        m_ids.erase(m_ids.begin(), m_ids.begin() + excess);
    }
    endRemoveRows();
}

void RecordPageModel::setIdPointer(const QByteArray &pointer)
{
    event::FieldPointers pointers;
    pointers.id = pointer;
    m_idReader = event::FieldReader(pointers);
    std::fill(m_ids.begin(), m_ids.end(), std::nullopt);
    if (!m_records.empty())
        emit dataChanged(index(0, IdColumn), index(rowCount() - 1, IdColumn));
}

QByteArray RecordPageModel::idOf(int row) const
{
    std::optional<QByteArray> &id = m_ids.at(static_cast<size_t>(row));
    if (!id) {
        const kafka::KafkaRecord &r = m_records[static_cast<size_t>(row)];
        id = r.valueIsNull ? QByteArray() : m_idReader.idOf(r.value);
    }
    return *id;
}

const kafka::KafkaRecord &RecordPageModel::record(int row) const
{
    return m_records.at(static_cast<size_t>(row));
}

int RecordPageModel::rowOfOffset(qint64 offset) const
{
    const auto it =
        std::find_if(m_records.cbegin(), m_records.cend(),
                     [offset](const kafka::KafkaRecord &r) { return r.offset == offset; });
    return it == m_records.cend() ? -1 : static_cast<int>(it - m_records.cbegin());
}

int RecordPageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_records.size());
}

int RecordPageModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RecordPageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const kafka::KafkaRecord &r = m_records[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case OffsetColumn:
            return r.offset;
        case TimestampColumn:
            return timestampText(r);
        case IdColumn:
            return QString::fromUtf8(idOf(index.row()));
        case KeyColumn:
            return r.keyIsNull ? QStringLiteral("(null)") : previewText(r.key, kPreviewBytes);
        case SizeColumn:
            return static_cast<qint64>(r.value.size());
        case ValueColumn:
            return r.valueIsNull ? QStringLiteral("(null)") : previewText(r.value, kPreviewBytes);
        }
        break;
    case Qt::TextAlignmentRole:
        if (index.column() == OffsetColumn || index.column() == SizeColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        break;
    case Qt::FontRole:
        if ((index.column() == KeyColumn && r.keyIsNull) ||
            (index.column() == ValueColumn && r.valueIsNull)) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        break;
    case OffsetRole:
        return r.offset;
    case IdRole:
        return idOf(index.row());
    case SearchRole: {
        QString text = QString::number(r.offset) + QLatin1Char('\n') + QString::fromUtf8(r.key) +
                       QLatin1Char('\n') + QString::fromUtf8(r.value);
        for (const auto &[name, value] : r.headers)
            text += QLatin1Char('\n') + QString::fromUtf8(name) + QLatin1Char('=') +
                    QString::fromUtf8(value);
        return text;
    }
    default:
        break;
    }
    return {};
}

QVariant RecordPageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case OffsetColumn:
        return tr("Offset");
    case TimestampColumn:
        return tr("Timestamp");
    case IdColumn:
        return tr("Id");
    case KeyColumn:
        return tr("Key");
    case SizeColumn:
        return tr("Size");
    case ValueColumn:
        return tr("Value");
    }
    return {};
}

QString RecordPageModel::timestampText(const kafka::KafkaRecord &record)
{
    if (record.timestampType == kafka::KafkaRecord::TimestampType::NotAvailable ||
        record.timestampMs < 0)
        return QStringLiteral("-");
    // UTC with milliseconds, as the events' own timestamps are written.
    return QDateTime::fromMSecsSinceEpoch(record.timestampMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

bool RecordPageModel::isText(const QByteArray &bytes)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return false;
    return std::none_of(text.cbegin(), text.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control && c != QLatin1Char('\t') &&
               c != QLatin1Char('\n') && c != QLatin1Char('\r');
    });
}

QString RecordPageModel::previewText(const QByteArray &bytes, int maxBytes)
{
    if (!isText(bytes)) {
        // Binary: the first bytes in hex, so a row still tells records apart.
        const QByteArray head = bytes.left(std::min(maxBytes / 3, 32));
        return QString::fromLatin1(head.toHex(' ')) +
               (bytes.size() > head.size() ? QStringLiteral(" …") : QString());
    }
    QString text = QString::fromUtf8(bytes.left(maxBytes)).simplified();
    if (bytes.size() > maxBytes)
        text += QStringLiteral("…");
    return text;
}

} // namespace dualscope::ui
