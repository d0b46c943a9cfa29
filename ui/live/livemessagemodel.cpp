// SPDX-License-Identifier: MIT
#include "live/livemessagemodel.h"

#include "check/feeditem.h"
#include "redis/pubsubtypes.h"

#include <QDateTime>
#include <QFont>
#include <limits>
#include <vector>

namespace dualscope::ui {

namespace {

// Channel names are interned so that 100,000 rows on 50 channels hold 50 copies;
// past this many distinct names new ones are stored as they come (no growth).
constexpr qsizetype kMaxInternedChannels = 10'000;
// Distinct match-state names (a handful in practice); quint8 indices.
constexpr qsizetype kMaxStateNames = 250;

QString formatTime(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("HH:mm:ss.zzz"));
}

} // namespace

QByteArray LiveMessageModel::Row::id() const
{
    return fields.id(payload);
}

QByteArray LiveMessageModel::Row::type() const
{
    return fields.type(payload);
}

LiveMessageModel::LiveMessageModel(QObject *parent) : QAbstractTableModel(parent)
{
    m_stateNames.append(QString());
}

LiveMessageModel::~LiveMessageModel() = default;

int LiveMessageModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LiveMessageModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LiveMessageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row &row = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case ReceivedColumn:
            return formatTime(row.receivedMs);
        case ChannelColumn:
            return QString::fromUtf8(row.channel);
        case IdColumn:
            return QString::fromUtf8(row.id());
        case TypeColumn:
            return QString::fromUtf8(row.type());
        case SizeColumn:
            return qlonglong(row.payload.size());
        case MatchColumn:
            if (row.state == 0 && row.fromKafka)
                return tr("from Kafka");
            return m_stateNames.at(row.state);
        case LatencyColumn:
            return row.latencyMs >= 0 ? QVariant(row.latencyMs) : QVariant();
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn || index.column() == LatencyColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (row.fromKafka)
            return tr("Loaded from Kafka when this view subscribed (partition %1, offset %2): "
                      "its notification was published before. The time is the record's; the "
                      "channel is where its notification is expected.")
                .arg(row.partition)
                .arg(row.offset);
        if (index.column() == ChannelColumn && !row.pattern.isEmpty())
            return tr("via pattern %1").arg(QString::fromUtf8(row.pattern));
        return {};
    case Qt::FontRole:
        if (row.fromKafka) {
            QFont italic;
            italic.setItalic(true);
            return italic;
        }
        return {};
    case FromKafkaRole:
        return row.fromKafka;
    case PayloadRole:
        return row.payload;
    case IdRole:
        return row.id();
    case ChannelRole:
        return row.channel;
    case PatternRole:
        return row.pattern;
    case ReceivedMsRole:
        return row.receivedMs;
    case FilterTextRole:
        return QString::fromUtf8(row.channel + '\n' + row.id() + '\n' + row.type() + '\n' +
                                 row.payload);
    }
    return {};
}

QVariant LiveMessageModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ReceivedColumn:
        return tr("Received");
    case ChannelColumn:
        return tr("Channel");
    case IdColumn:
        return tr("Id");
    case TypeColumn:
        return tr("Type");
    case SizeColumn:
        return tr("Size");
    case MatchColumn:
        return tr("Match");
    case LatencyColumn:
        return tr("Latency (ms)");
    }
    return {};
}

QByteArray LiveMessageModel::intern(const QByteArray &channel)
{
    const auto it = m_channels.constFind(channel);
    if (it != m_channels.cend())
        return *it;
    if (m_channels.size() < kMaxInternedChannels)
        m_channels.insert(channel);
    return channel;
}

LiveMessageModel::Row LiveMessageModel::makeRow(const redis::PubSubMessage &message)
{
    Row row;
    row.channel = intern(message.channel);
    row.pattern = message.pattern.isEmpty() ? QByteArray() : intern(message.pattern);
    row.payload = message.payload;
    row.receivedMs = message.receivedMs;
    row.fields = message.fields;
    return row;
}

LiveMessageModel::Row LiveMessageModel::makeRow(const check::FeedItem &item)
{
    Row row;
    row.channel = intern(item.channel);
    row.payload = item.raw;
    row.receivedMs = item.timestampMs;
    row.partition = item.partition;
    row.offset = item.offset;
    row.fields.decoded = item.id + '\0' + item.type; // read by the field reader already
    row.fromKafka = true;
    return row;
}

void LiveMessageModel::trimOldest(qsizetype count)
{
    if (count <= 0)
        return;
    beginRemoveRows({}, 0, int(count) - 1); // last is inclusive
    for (qsizetype i = 0; i < count; ++i) {
        if (m_rows.at(i).fromKafka)
            --m_kafkaRowsHeld;
        const QByteArray id = m_rows.at(i).id();
        const auto it = m_idToSeq.find(id);
        if (it != m_idToSeq.end() && it.value() == m_firstSeq + i)
            m_idToSeq.erase(it);
    }
    m_rows.dropOldest(count);
    m_firstSeq += count;
    endRemoveRows();
}

void LiveMessageModel::appendBatch(const QList<redis::PubSubMessage> &batch)
{
    if (batch.isEmpty())
        return;
    qsizetype skip = 0;
    if (batch.size() > m_rows.capacity()) {
        skip = batch.size() - m_rows.capacity();
        m_rows.countDropped(skip);
    }
    std::vector<Row> rows;
    rows.reserve(size_t(batch.size() - skip));
    for (qsizetype i = skip; i < batch.size(); ++i) {
        Row row = makeRow(batch.at(i));
        if (m_kafkaRowsHeld > 0) {
            const int held = rowOfId(row.id());
            if (held >= 0 && m_rows.at(held).fromKafka) {
                ++m_liveCopiesDropped;
                continue;
            }
        }
        rows.push_back(std::move(row));
    }
    if (rows.empty())
        return;
    // Make room first so the history never holds more than the capacity.
    trimOldest(m_rows.overflowAfter(qsizetype(rows.size())));

    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(rows.size()) - 1);
    for (Row &row : rows) {
        const QByteArray id = row.id();
        const qint64 seq = m_firstSeq + m_rows.size();
        m_rows.push(std::move(row));
        if (!id.isEmpty())
            m_idToSeq.insert(id, seq);
    }
    endInsertRows();
}

qsizetype LiveMessageModel::insertRecent(const QList<check::FeedItem> &items, qint64 confirmedMs,
                                         qsizetype *alreadyHeld)
{
    *alreadyHeld = 0;
    std::vector<Row> rows;
    QSet<QByteArray> taken;
    for (const check::FeedItem &item : items) {
        if (item.id.isEmpty() || rowOfId(item.id) >= 0 || taken.contains(item.id)) {
            ++*alreadyHeld;
            continue;
        }
        taken.insert(item.id);
        rows.push_back(makeRow(item));
    }
    if (rows.empty())
        return 0;
    if (qsizetype(rows.size()) > m_rows.capacity()) {
        const qsizetype excess = qsizetype(rows.size()) - m_rows.capacity();
        rows.erase(rows.begin(), rows.begin() + excess);
        m_rows.countDropped(excess);
    }
    trimOldest(m_rows.overflowAfter(qsizetype(rows.size())));
    // Rows arrive in time order (nearly): the place is found from the newest end.
    qsizetype at = m_rows.size();
    while (at > 0 && m_rows.at(at - 1).receivedMs >= confirmedMs)
        --at;
    const qsizetype count = qsizetype(rows.size());
    beginInsertRows({}, int(at), int(at + count) - 1);
    m_rows.insert(at, std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
    m_kafkaRowsHeld += count;
    reindexFrom(at);
    endInsertRows();
    return count;
}

void LiveMessageModel::reindexFrom(qsizetype row)
{
    for (qsizetype i = row; i < m_rows.size(); ++i) {
        const QByteArray id = m_rows.at(i).id();
        if (!id.isEmpty())
            m_idToSeq.insert(id, m_firstSeq + i);
    }
}

void LiveMessageModel::setCapacity(qsizetype capacity)
{
    m_rows.setCapacity(capacity);
    trimOldest(m_rows.overflowAfter(0));
}

quint8 LiveMessageModel::stateIndex(const QString &state)
{
    const qsizetype at = m_stateNames.indexOf(state);
    if (at >= 0)
        return quint8(at);
    if (m_stateNames.size() >= kMaxStateNames)
        return quint8(m_stateNames.size() - 1); // shown under the last name; never in practice
    m_stateNames.append(state);
    return quint8(m_stateNames.size() - 1);
}

bool LiveMessageModel::setMatchState(const QByteArray &id, const QString &state, qint64 latencyMs,
                                     qint32 partition, qint64 offset)
{
    const int row = rowOfId(id);
    if (row < 0)
        return false;
    Row &r = m_rows.at(row);
    r.state = stateIndex(state);
    if (partition >= 0 && offset >= 0) {
        r.partition = partition;
        r.offset = offset;
    }
    r.latencyMs =
        latencyMs < 0 ? -1 : qint32(qMin<qint64>(latencyMs, std::numeric_limits<qint32>::max()));
    emit dataChanged(index(row, MatchColumn), index(row, LatencyColumn), {Qt::DisplayRole});
    return true;
}

int LiveMessageModel::rowOfId(const QByteArray &id) const
{
    const auto it = m_idToSeq.constFind(id);
    if (it == m_idToSeq.cend())
        return -1;
    const qint64 row = it.value() - m_firstSeq;
    return row >= 0 && row < m_rows.size() ? int(row) : -1;
}

std::pair<qint32, qint64> LiveMessageModel::recordAt(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return {-1, -1};
    const Row &r = m_rows.at(row);
    return {r.partition, r.offset};
}

QByteArray LiveMessageModel::idAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).id() : QByteArray();
}

QByteArray LiveMessageModel::payloadAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).payload : QByteArray();
}

void LiveMessageModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rows.resetDropped();
    m_idToSeq.clear();
    m_channels.clear();
    m_firstSeq = 0;
    m_kafkaRowsHeld = 0;
    m_liveCopiesDropped = 0;
    endResetModel();
}

} // namespace dualscope::ui
