// SPDX-License-Identifier: MIT
#include "live/channeltreemodel.h"

#include "redis/pubsubtypes.h"

#include <QGuiApplication>
#include <QPalette>
#include <QSet>
#include <algorithm>
#include <unordered_map>

namespace dualscope::ui {

ChannelTreeModel::ChannelTreeModel(QObject *parent)
    : QAbstractItemModel(parent), m_root(std::make_unique<Node>())
{
}

ChannelTreeModel::~ChannelTreeModel() = default;

ChannelTreeModel::Node *ChannelTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex ChannelTreeModel::indexOfNode(const Node *node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row, column, const_cast<Node *>(node));
}

QModelIndex ChannelTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    const Node *p = nodeOf(parent);
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex ChannelTreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOfNode(nodeOf(child)->parent);
}

int ChannelTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

int ChannelTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant ChannelTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return node->isOther ? tr("(other)") : QString::fromUtf8(node->segment);
        case MessagesColumn:
            return node->messages;
        case RateColumn:
            return QString::number(node->rate, 'f', node->rate < 10 ? 1 : 0);
        case SubscribersColumn: {
            if (!node->isChannel)
                return {};
            const qsizetype viaPatterns = matchingPatterns(node->fullName).size();
            return viaPatterns == 0
                       ? QString::number(node->subscribers)
                       : QStringLiteral("%1 + %2").arg(node->subscribers).arg(viaPatterns);
        }
        }
        return {};
    case Qt::ForegroundRole:
        if (node->stale)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() != NameColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole: {
        if (node->isOther)
            return tr("Channels beyond the first %1").arg(m_maxChannels);
        QString tip = QString::fromUtf8(node->fullName);
        if (node->stale)
            tip += tr("\nStale: no message for more than %1 s").arg(kStaleAfterMs / 1000);
        if (node->isChannel && index.column() == SubscribersColumn) {
            const QStringList mine = matchingPatterns(node->fullName);
            tip += tr("\n%1 exact subscriber(s) (PUBSUB NUMSUB)").arg(node->subscribers);
            if (!mine.isEmpty())
                tip += tr("\n+ %1 of this view's patterns: %2")
                           .arg(mine.size())
                           .arg(mine.join(QStringLiteral(", ")));
            tip += tr("\nThe server holds %1 pattern subscription(s) in all (PUBSUB NUMPAT); "
                      "Redis does not say which channels other clients' patterns match.")
                       .arg(m_patternSubscriptions);
        }
        return tip;
    }
    case FullNameRole:
        return node->fullName;
    case IsChannelRole:
        return node->isChannel;
    case IsOtherRole:
        return node->isOther;
    }
    return {};
}

QVariant ChannelTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractItemModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Channel");
    case MessagesColumn:
        return tr("Messages");
    case RateColumn:
        return tr("msg/s");
    case SubscribersColumn:
        return tr("Subscribers");
    }
    return {};
}

ChannelTreeModel::Node *ChannelTreeModel::otherNode()
{
    if (m_other)
        return m_other;
    auto node = std::make_unique<Node>();
    node->parent = m_root.get();
    node->isOther = true;
    node->row = int(m_root->children.size());
    beginInsertRows({}, node->row, node->row);
    m_other = node.get();
    m_root->children.push_back(std::move(node));
    endInsertRows();
    return m_other;
}

QHash<QByteArray, ChannelTreeModel::Node *>
ChannelTreeModel::ensureChannels(const QList<QByteArray> &names, bool useOther)
{
    struct Pending
    {
        std::vector<std::unique_ptr<Node>> children;
        QHash<QByteArray, Node *> bySegment;
    };
    QHash<QByteArray, Node *> result;
    std::unordered_map<Node *, Pending> pending;
    QList<Node *> pendingOrder; // parents in first-touched order, for stable rows
    QList<Node *> becameChannel;
    bool needOther = false;

    for (const QByteArray &name : names) {
        if (result.contains(name))
            continue;
        if (Node *known = m_channels.value(name)) {
            result.insert(name, known);
            continue;
        }
        if (m_channels.size() >= m_maxChannels) {
            needOther = needOther || useOther;
            result.insert(name, nullptr);
            continue;
        }
        const QList<QByteArray> segments = name.split(':');
        Node *node = m_root.get();
        qsizetype i = 0;
        for (; i < segments.size(); ++i) {
            Node *child = node->childBySegment.value(segments.at(i));
            if (!child)
                break;
            node = child;
        }
        if (i == segments.size()) { // an existing group is also a channel
            node->isChannel = true;
            node->fullName = name;
            becameChannel.append(node);
            m_channels.insert(name, node);
            result.insert(name, node);
            continue;
        }
        // node is attached; segments[i..] hang below it, built detached (no signals)
        // and attached with one insert pair per parent below.
        if (!pending.count(node))
            pendingOrder.append(node);
        Pending &p = pending[node];
        const auto makeChild = [](Node *parent, const QByteArray &segment, int row) {
            auto child = std::make_unique<Node>();
            child->parent = parent;
            child->segment = segment;
            child->fullName =
                parent->fullName.isNull() ? segment : parent->fullName + ':' + segment;
            child->row = row;
            return child;
        };
        Node *cur = p.bySegment.value(segments.at(i));
        if (!cur) {
            auto child =
                makeChild(node, segments.at(i), int(node->children.size() + p.children.size()));
            cur = child.get();
            p.bySegment.insert(segments.at(i), cur);
            p.children.push_back(std::move(child));
        }
        for (++i; i < segments.size(); ++i) {
            Node *next = cur->childBySegment.value(segments.at(i));
            if (!next) {
                auto child = makeChild(cur, segments.at(i), int(cur->children.size()));
                next = child.get();
                cur->childBySegment.insert(segments.at(i), next);
                cur->children.push_back(std::move(child));
            }
            cur = next;
        }
        cur->isChannel = true;
        cur->fullName = name;
        m_channels.insert(name, cur);
        result.insert(name, cur);
    }

    for (Node *parentNode : std::as_const(pendingOrder)) {
        Pending &p = pending[parentNode];
        const int first = int(parentNode->children.size());
        beginInsertRows(indexOfNode(parentNode), first, first + int(p.children.size()) - 1);
        for (auto &child : p.children) {
            parentNode->childBySegment.insert(child->segment, child.get());
            parentNode->children.push_back(std::move(child));
        }
        endInsertRows();
    }
    if (!becameChannel.isEmpty())
        emitChanged(becameChannel, NameColumn, SubscribersColumn);
    if (needOther) {
        Node *other = otherNode();
        for (auto it = result.begin(); it != result.end(); ++it) {
            if (!it.value())
                it.value() = other;
        }
    }
    return result;
}

void ChannelTreeModel::emitChanged(const QList<Node *> &nodes, int firstColumn, int lastColumn)
{
    // One dataChanged per parent, spanning the changed rows.
    QHash<Node *, std::pair<int, int>> spans;
    for (const Node *node : nodes) {
        auto it = spans.find(node->parent);
        if (it == spans.end())
            spans.insert(node->parent, {node->row, node->row});
        else
            it.value() = {std::min(it->first, node->row), std::max(it->second, node->row)};
    }
    for (auto it = spans.cbegin(); it != spans.cend(); ++it) {
        const QModelIndex parentIndex = indexOfNode(it.key());
        emit dataChanged(index(it->first, firstColumn, parentIndex),
                         index(it->second, lastColumn, parentIndex));
    }
}

void ChannelTreeModel::addMessages(const QList<redis::PubSubMessage> &batch)
{
    QHash<QByteArray, qint64> counts;
    for (const redis::PubSubMessage &message : batch)
        ++counts[message.channel];
    addCounts(counts);
}

void ChannelTreeModel::addCounts(const QHash<QByteArray, qint64> &messagesPerChannel)
{
    if (messagesPerChannel.isEmpty())
        return;
    const QHash<QByteArray, Node *> nodes = ensureChannels(messagesPerChannel.keys(), true);
    QSet<Node *> changed;
    for (auto it = messagesPerChannel.cbegin(); it != messagesPerChannel.cend(); ++it) {
        for (Node *n = nodes.value(it.key()); n && n != m_root.get(); n = n->parent) {
            n->messages += it.value();
            changed.insert(n);
        }
    }
    emitChanged(changed.values(), MessagesColumn, MessagesColumn);
}

void ChannelTreeModel::setActiveChannels(const redis::ActiveChannels &active)
{
    m_patternSubscriptions = active.patternSubscriptions;
    QHash<QByteArray, qint64> subscribers;
    QList<QByteArray> names;
    for (const auto &[channel, count] : active.channels) {
        subscribers.insert(channel, count);
        names.append(channel);
    }
    ensureChannels(names, false);
    QList<Node *> changed;
    for (Node *node : std::as_const(m_channels)) {
        const qint64 count = subscribers.value(node->fullName, 0);
        if (node->subscribers != count) {
            node->subscribers = count;
            changed.append(node);
        }
    }
    emitChanged(changed, SubscribersColumn, SubscribersColumn);
}

void ChannelTreeModel::setOwnPatterns(const QList<QByteArray> &patterns)
{
    m_ownPatterns.clear();
    for (const QByteArray &pattern : patterns)
        m_ownPatterns.append(redis::ChannelGlob(pattern));
    QList<Node *> channels(m_channels.cbegin(), m_channels.cend());
    emitChanged(channels, SubscribersColumn, SubscribersColumn);
}

QStringList ChannelTreeModel::matchingPatterns(const QByteArray &channel) const
{
    QStringList mine;
    for (const redis::ChannelGlob &glob : m_ownPatterns) {
        if (glob.matches(channel))
            mine << QString::fromUtf8(glob.pattern());
    }
    return mine;
}

bool ChannelTreeModel::isStale(const QByteArray &channel) const
{
    const Node *node = m_channels.value(channel);
    return node && node->stale;
}

void ChannelTreeModel::updateRates(qint64 nowMonoNs)
{
    const double seconds = m_lastRateNs ? double(nowMonoNs - m_lastRateNs) / 1e9 : 0;
    m_lastRateNs = nowMonoNs;
    QList<Node *> changed;
    std::vector<Node *> stack{m_root.get()};
    while (!stack.empty()) {
        Node *node = stack.back();
        stack.pop_back();
        for (auto &child : node->children)
            stack.push_back(child.get());
        if (node == m_root.get())
            continue;
        const double rate =
            seconds > 0 ? double(node->messages - node->messagesAtLastRate) / seconds : 0;
        if (node->messages != node->messagesAtLastRate || node->lastActiveNs == 0)
            node->lastActiveNs = nowMonoNs;
        node->messagesAtLastRate = node->messages;
        const bool stale = nowMonoNs - node->lastActiveNs > kStaleAfterMs * 1'000'000;
        if (rate != node->rate || stale != node->stale) {
            node->rate = rate;
            node->stale = stale;
            changed.append(node);
        }
    }
    // The whole row: a stale channel greys out in every column.
    emitChanged(changed, NameColumn, SubscribersColumn);
}

void ChannelTreeModel::setMaxChannels(int maxChannels)
{
    m_maxChannels = std::max(1, maxChannels);
}

QModelIndex ChannelTreeModel::indexOfChannel(const QByteArray &channel) const
{
    return indexOfNode(m_channels.value(channel));
}

qint64 ChannelTreeModel::messageCount(const QByteArray &channel) const
{
    const Node *node = m_channels.value(channel);
    if (!node)
        return 0;
    qint64 own = node->messages;
    for (const auto &child : node->children)
        own -= child->messages;
    return own;
}

qint64 ChannelTreeModel::otherMessageCount() const
{
    return m_other ? m_other->messages : 0;
}

void ChannelTreeModel::clear()
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    m_channels.clear();
    m_other = nullptr;
    m_lastRateNs = 0;
    m_patternSubscriptions = 0;
    endResetModel();
}

} // namespace dualscope::ui
