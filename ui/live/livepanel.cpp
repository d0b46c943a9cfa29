// SPDX-License-Identifier: MIT
#include "live/livepanel.h"

#include "live/channeltreemodel.h"
#include "live/livemessagemodel.h"
#include "redis/channelglob.h"
#include "widgets/elidedlabel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>
#include <algorithm>
#include <vector>

namespace dualscope::ui {

namespace {

// ~30 view updates a second: smooth to the eye, and each update (one insert pair,
// one scroll) costs the GUI thread a bounded slice however fast messages come.
constexpr int kFlushIntervalMs = 33;
// Rates in the channel tree are messages over the last second.
constexpr int kRateIntervalMs = 1000;
// Verdicts waiting for their message; past this the oldest guesses are not worth
// memory (the checker judges after a grace window, so this is rarely used at all).
constexpr qsizetype kMaxEarlyStates = 10'000;
constexpr int kNameRole = Qt::UserRole + 1;
constexpr int kIsPatternRole = Qt::UserRole + 2;

} // namespace

LivePanel::LivePanel(QWidget *parent)
    : QWidget(parent), m_model(new LiveMessageModel(this)), m_tree(new ChannelTreeModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_flushTimer(new QTimer(this)),
      m_rateTimer(new QTimer(this))
{
    m_clock.start();

    // Subscriptions.
    m_subscriptionList = new QListWidget(this);
    m_subscriptionList->setObjectName(QStringLiteral("subscriptionList"));
    m_newSubscription = new QLineEdit(this);
    m_newSubscription->setObjectName(QStringLiteral("newSubscription"));
    m_newSubscription->setPlaceholderText(tr("events:*"));
    m_newSubscription->setToolTip(tr("A pattern (events:user:*) or, with Channel, an exact "
                                     "channel to subscribe to"));
    m_newSubscription->setMinimumWidth(
        m_newSubscription->fontMetrics().horizontalAdvance(QStringLiteral("events:user:*")) + 16);
    m_subscriptionKind = new QComboBox(this);
    m_subscriptionKind->setObjectName(QStringLiteral("subscriptionKind"));
    m_subscriptionKind->addItem(tr("Pattern"), true);
    m_subscriptionKind->addItem(tr("Channel"), false);
    auto *addButton = new QPushButton(tr("Add"), this);
    addButton->setObjectName(QStringLiteral("addSubscription"));
    auto *removeButton = new QPushButton(tr("Remove"), this);
    removeButton->setObjectName(QStringLiteral("removeSubscription"));
    m_subscriptionError = new QLabel(this);
    m_subscriptionError->setObjectName(QStringLiteral("subscriptionError"));
    m_subscriptionError->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_subscriptionError->setWordWrap(true);
    m_subscriptionError->hide();

    // Two rows: the left column stays narrow beside the message table.
    auto *addRow = new QHBoxLayout;
    addRow->addWidget(m_newSubscription, 1);
    addRow->addWidget(m_subscriptionKind);
    auto *buttonRow = new QHBoxLayout;
    buttonRow->addWidget(addButton);
    buttonRow->addWidget(removeButton);
    buttonRow->addStretch(1);

    // Channel tree.
    m_treeView = new QTreeView(this);
    m_treeView->setObjectName(QStringLiteral("channelTree"));
    m_treeView->setModel(m_tree);
    m_treeView->setUniformRowHeights(true);
    m_treeView->header()->setStretchLastSection(false);
    m_treeView->header()->setSectionResizeMode(ChannelTreeModel::NameColumn, QHeaderView::Stretch);

    auto *left = new QWidget(this);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(new QLabel(tr("Subscriptions"), left));
    leftLayout->addWidget(m_subscriptionList, 1);
    leftLayout->addLayout(addRow);
    leftLayout->addLayout(buttonRow);
    leftLayout->addWidget(m_subscriptionError);
    leftLayout->addWidget(new QLabel(tr("Channels"), left));
    leftLayout->addWidget(m_treeView, 3);

    // Message table.
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter (Ctrl+F)"));
    m_filter->setToolTip(tr("Shows the messages whose channel, id, type or payload holds this "
                            "text (Ctrl+F)"));
    m_filter->setMinimumWidth(m_filter->fontMetrics().horizontalAdvance(tr("Filter (Ctrl+F)")) +
                              32);
    m_filter->setClearButtonEnabled(true);
    m_pauseButton = new QPushButton(tr("Pause"), this);
    m_pauseButton->setObjectName(QStringLiteral("pause"));
    m_pauseButton->setCheckable(true);
    m_pauseButton->setToolTip(tr("Pause the table (Space)"));
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setObjectName(QStringLiteral("followTail"));
    m_follow->setChecked(true);
    m_status = new ElidedLabel(this, 6);
    m_status->setObjectName(QStringLiteral("liveStatus"));

    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterRole(LiveMessageModel::FilterTextRole);
    m_proxy->setFilterKeyColumn(0);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("messageTable"));
    m_table->setModel(m_proxy);
    // Sorting 100,000 rows on every batch would defeat the coalescing: the table
    // shows arrival order.
    m_table->setSortingEnabled(false);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);

    m_detail = new QPlainTextEdit(this);
    m_detail->setObjectName(QStringLiteral("detail"));
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);

    m_showInKafka = new QAction(tr("Show in Kafka"), this);
    m_showInKafka->setObjectName(QStringLiteral("showInKafka"));
    m_showInKafka->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_showInKafka->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_showInKafka->setEnabled(false);
    m_table->addAction(m_showInKafka);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    auto *toolRow = new QHBoxLayout;
    toolRow->addWidget(m_filter, 1);
    toolRow->addWidget(m_pauseButton);
    toolRow->addWidget(m_follow);

    auto *tableSplit = new QSplitter(Qt::Vertical, this);
    tableSplit->setObjectName(QStringLiteral("liveTableSplitter"));
    tableSplit->setChildrenCollapsible(false);
    tableSplit->addWidget(m_table);
    tableSplit->addWidget(m_detail);
    tableSplit->setStretchFactor(0, 3);
    tableSplit->setStretchFactor(1, 1);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(toolRow);
    rightLayout->addWidget(tableSplit, 1);
    // A line of its own: beside the filter on a laptop screen it had no room at all.
    rightLayout->addWidget(m_status);

    auto *split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("liveSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(addButton, &QPushButton::clicked, this, &LivePanel::addSubscription);
    // The channel tree counts this view's patterns among each channel's subscribers.
    const auto ownPatterns = [this] {
        QList<QByteArray> patterns;
        for (const auto &[name, isPattern] : subscriptions())
            if (isPattern)
                patterns.append(name);
        m_tree->setOwnPatterns(patterns);
    };
    QAbstractItemModel *subscriptionModel = m_subscriptionList->model();
    connect(subscriptionModel, &QAbstractItemModel::rowsInserted, m_tree, ownPatterns);
    connect(subscriptionModel, &QAbstractItemModel::rowsRemoved, m_tree, ownPatterns);
    connect(subscriptionModel, &QAbstractItemModel::modelReset, m_tree, ownPatterns);
    connect(m_newSubscription, &QLineEdit::returnPressed, this, &LivePanel::addSubscription);
    connect(removeButton, &QPushButton::clicked, this, &LivePanel::removeSubscription);
    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            [this](const QString &text) { m_proxy->setFilterFixedString(text); });
    connect(m_pauseButton, &QPushButton::toggled, this, &LivePanel::setPaused);
    connect(m_table, &QTableView::doubleClicked, m_showInKafka, &QAction::trigger);
    connect(m_showInKafka, &QAction::triggered, this, [this] {
        const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
        const auto [partition, offset] = m_model->recordAt(current.isValid() ? current.row() : -1);
        if (partition >= 0)
            emit showRecordRequested(partition, offset);
    });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !m_paused)
            m_table->scrollToBottom();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &LivePanel::showSelected);

    // Space toggles pause anywhere in the panel except where it types (line edits
    // take the key first through ShortcutOverride).
    auto *pauseShortcut = new QShortcut(QKeySequence(Qt::Key_Space), this);
    pauseShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(pauseShortcut, &QShortcut::activated, this, [this] { setPaused(!m_paused); });
    auto *findShortcut = new QShortcut(QKeySequence::Find, this);
    findShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_filter->setFocus(Qt::ShortcutFocusReason);
        m_filter->selectAll();
    });

    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(kFlushIntervalMs);
    connect(m_flushTimer, &QTimer::timeout, this, &LivePanel::flush);
    m_rateTimer->setInterval(kRateIntervalMs);
    connect(m_rateTimer, &QTimer::timeout, this,
            [this] { m_tree->updateRates(m_clock.nsecsElapsed()); });
    m_rateTimer->start();
    m_tree->updateRates(m_clock.nsecsElapsed());

    updateStatus();
}

LivePanel::~LivePanel() = default;

void LivePanel::appendMessages(const QList<redis::PubSubMessage> &batch)
{
    if (batch.isEmpty())
        return;
    for (const redis::PubSubMessage &message : batch)
        ++m_pendingChannelCounts[message.channel];
    m_pending.append(batch);
    // Waiting messages never exceed what the history could show anyway.
    const qsizetype excess = m_pending.size() - m_model->capacity();
    if (excess > 0) {
        m_pending.remove(0, excess);
        m_pendingDropped += excess;
    }
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
}

void LivePanel::flush()
{
    if (!m_pendingChannelCounts.isEmpty()) {
        m_tree->addCounts(m_pendingChannelCounts);
        m_pendingChannelCounts.clear();
    }
    if (!m_paused && !m_pending.isEmpty()) {
        m_shown += m_pending.size();
        m_model->appendBatch(m_pending);
        m_pending.clear();
        for (auto it = m_earlyStates.cbegin(); it != m_earlyStates.cend(); ++it)
            m_model->setMatchState(it.key(), it->state, it->latencyMs, it->partition, it->offset);
        m_earlyStates.clear();
        updateShowInKafka();
        if (m_follow->isChecked())
            m_table->scrollToBottom();
    }
    updateStatus();
}

void LivePanel::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    {
        const QSignalBlocker blocker(m_pauseButton);
        m_pauseButton->setChecked(paused);
    }
    m_pauseButton->setText(paused ? tr("Resume") : tr("Pause"));
    if (!paused && !m_pending.isEmpty() && !m_flushTimer->isActive())
        m_flushTimer->start();
    updateStatus();
    emit pausedChanged(paused);
}

bool LivePanel::followTail() const
{
    return m_follow->isChecked();
}

void LivePanel::setFollowTail(bool follow)
{
    m_follow->setChecked(follow);
}

qint64 LivePanel::droppedCount() const
{
    return m_model->droppedCount() + m_pendingDropped;
}

qsizetype LivePanel::historyCapacity() const
{
    return m_model->capacity();
}

void LivePanel::setHistoryCapacity(qsizetype rows)
{
    m_model->setCapacity(rows);
    updateStatus();
}

void LivePanel::updateStatus()
{
    QString text = tr("%1 rows, %2 let go").arg(m_model->rowCount()).arg(droppedCount());
    if (m_paused)
        text += tr(" (paused, %1 waiting)").arg(m_pending.size());
    if (!m_recentNote.isEmpty())
        text += QStringLiteral("; ") + m_recentNote;
    m_status->setFullText(text);
}

LivePanel::KafkaInsert LivePanel::insertFromKafka(const QList<check::FeedItem> &items,
                                                  qint64 confirmedMs,
                                                  const QList<std::pair<QByteArray, bool>> &asked)
{
    const QList<std::pair<QByteArray, bool>> held = subscriptions();
    std::vector<redis::SubscriptionMatcher> matchers;
    for (const auto &[name, isPattern] : asked) {
        if (held.contains(std::pair{name, isPattern}))
            matchers.emplace_back(name, isPattern);
    }
    QList<check::FeedItem> wanted;
    for (const check::FeedItem &item : items) {
        if (std::any_of(matchers.cbegin(), matchers.cend(),
                        [&item](const auto &m) { return m.matches(item.channel); }))
            wanted.append(item);
    }
    // What waits for the next view update is compared too: an event is shown once.
    if (!m_paused)
        flush();
    KafkaInsert insert;
    insert.onTheseChannels = wanted.size();
    insert.added = m_model->insertRecent(wanted, confirmedMs, &insert.alreadyShown);
    if (insert.added > 0 && m_follow->isChecked() && !m_paused)
        m_table->scrollToBottom();
    return insert;
}

void LivePanel::addRecentEvents(const QList<check::FeedItem> &items, qint64 confirmedMs,
                                const QList<std::pair<QByteArray, bool>> &asked, int requested)
{
    const KafkaInsert insert = insertFromKafka(items, confirmedMs, asked);
    if (items.isEmpty()) {
        m_recentNote.clear(); // an empty topic: nothing to say
        updateStatus();
        return;
    }
    m_recentNote = tr("%1 recent from Kafka (of the topic's last %2: %3 on these channels, %4 "
                      "already shown)")
                       .arg(insert.added)
                       .arg(requested)
                       .arg(insert.onTheseChannels)
                       .arg(insert.alreadyShown);
    updateStatus();
}

void LivePanel::addOutageEvents(const QList<check::FeedItem> &items, qint64 downFromMs,
                                qint64 downToMs, qint64 sinceMs,
                                const QList<std::pair<QByteArray, bool>> &asked, int requested)
{
    QList<check::FeedItem> ofTheOutage;
    for (const check::FeedItem &item : items) {
        if (item.timestampMs >= sinceMs)
            ofTheOutage.append(item);
    }
    const KafkaInsert insert = insertFromKafka(ofTheOutage, downToMs, asked);
    m_recentNote = tr("Redis was down for %1 s: %2 events of the outage from Kafka (%3 on "
                      "these channels, %4 already shown)")
                       .arg(QString::number(double(downToMs - downFromMs) / 1000.0, 'f', 1))
                       .arg(insert.added)
                       .arg(insert.onTheseChannels)
                       .arg(insert.alreadyShown);
    // The load holds the newest `requested` only: when all of them are of the
    // outage, older events of it were not loaded, and the view says so.
    if (items.size() >= requested && !items.isEmpty() && items.first().timestampMs > sinceMs)
        m_recentNote += tr(", only the topic's last %1 were loaded: older events of the outage "
                           "are in Kafka only")
                            .arg(requested);
    updateStatus();
}

void LivePanel::setRecentEventsError(const QString &error)
{
    m_recentNote = tr("recent events not loaded: %1").arg(error);
    updateStatus();
}

void LivePanel::setActiveChannels(const redis::ActiveChannels &active)
{
    m_tree->setActiveChannels(active);
}

void LivePanel::setSubscriptions(const QList<std::pair<QByteArray, bool>> &subscriptions)
{
    m_subscriptionList->clear();
    for (const auto &[name, isPattern] : subscriptions)
        addSubscriptionItem(name, isPattern);
}

QList<std::pair<QByteArray, bool>> LivePanel::subscriptions() const
{
    QList<std::pair<QByteArray, bool>> result;
    for (int i = 0; i < m_subscriptionList->count(); ++i) {
        const QListWidgetItem *item = m_subscriptionList->item(i);
        result.append({item->data(kNameRole).toByteArray(), item->data(kIsPatternRole).toBool()});
    }
    return result;
}

void LivePanel::addSubscriptionItem(const QByteArray &name, bool isPattern)
{
    auto *item = new QListWidgetItem(isPattern ? QString::fromUtf8(name)
                                               : tr("%1 (channel)").arg(QString::fromUtf8(name)));
    item->setData(kNameRole, name);
    item->setData(kIsPatternRole, isPattern);
    m_subscriptionList->addItem(item);
}

void LivePanel::addSubscription()
{
    const QByteArray name = m_newSubscription->text().trimmed().toUtf8();
    const bool isPattern = m_subscriptionKind->currentData().toBool();
    QString error;
    // Patterns are checked like the monitor checks them; a channel name is literal
    // (a '[' in it is fine) and must only be non-empty.
    const bool valid = isPattern ? redis::validatePattern(name, &error) : !name.isEmpty();
    if (!isPattern && name.isEmpty())
        error = tr("A channel name must not be empty");
    if (!valid) {
        m_subscriptionError->setText(error);
        m_subscriptionError->show();
        return;
    }
    if (subscriptions().contains(std::pair{name, isPattern})) {
        m_subscriptionError->setText(tr("Already subscribed to %1").arg(QString::fromUtf8(name)));
        m_subscriptionError->show();
        return;
    }
    m_subscriptionError->clear();
    m_subscriptionError->hide();
    m_newSubscription->clear();
    addSubscriptionItem(name, isPattern);
    emit subscribeRequested(name, isPattern);
}

void LivePanel::removeSubscription()
{
    QListWidgetItem *item = m_subscriptionList->currentItem();
    if (!item)
        return;
    const QByteArray name = item->data(kNameRole).toByteArray();
    const bool isPattern = item->data(kIsPatternRole).toBool();
    delete item;
    emit unsubscribeRequested(name, isPattern);
}

void LivePanel::showSelected()
{
    updateShowInKafka();
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    if (!current.isValid()) {
        m_detail->clear();
        return;
    }
    const QByteArray payload = m_model->payloadAt(current.row());
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(payload, &error);
    if (error.error == QJsonParseError::NoError)
        m_detail->setPlainText(QString::fromUtf8(doc.toJson(QJsonDocument::Indented)));
    else
        m_detail->setPlainText(tr("Not JSON (%1 at byte %2):\n%3")
                                   .arg(error.errorString())
                                   .arg(error.offset)
                                   .arg(QString::fromUtf8(payload)));
}

void LivePanel::setState(const QByteArray &id, const Verdict &verdict)
{
    if (id.isEmpty())
        return;
    if (m_model->setMatchState(id, verdict.state, verdict.latencyMs, verdict.partition,
                               verdict.offset)) {
        if (m_model->idAt(m_proxy->mapToSource(m_table->currentIndex()).row()) == id)
            updateShowInKafka();
        return;
    }
    if (!m_pending.isEmpty() && m_earlyStates.size() < kMaxEarlyStates)
        m_earlyStates.insert(id, verdict);
}

void LivePanel::applyGaps(const QList<gap::Gap> &gaps)
{
    for (const gap::Gap &g : gaps) {
        const qint64 latency =
            g.kafkaTsMs >= 0 && g.redisTsMs >= 0 ? g.redisTsMs - g.kafkaTsMs : -1;
        setState(g.id,
                 {QString::fromLatin1(gap::kindName(g.kind)), latency, g.partition, g.offset});
    }
}

void LivePanel::applyMatches(const QList<gap::MatchedEvent> &matches)
{
    const QString matched = QStringLiteral("matched");
    for (const gap::MatchedEvent &m : matches)
        setState(m.id, {matched, m.latencyMs, m.partition, m.offset});
}

void LivePanel::applyStatuses(const QList<gap::EventStatus> &statuses)
{
    for (const gap::EventStatus &status : statuses) {
        if (status.stage != gap::EventStatus::Stage::Judged)
            continue;
        setState(status.id, {QString::fromLatin1(gap::kindName(status.verdict)), status.latencyMs,
                             status.partition, status.offset});
    }
}

void LivePanel::updateShowInKafka()
{
    const QModelIndex current = m_proxy->mapToSource(m_table->currentIndex());
    const auto [partition, offset] = m_model->recordAt(current.isValid() ? current.row() : -1);
    m_showInKafka->setEnabled(partition >= 0);
    m_showInKafka->setToolTip(
        partition >= 0 ? tr("Open its record (partition %1, offset %2) in the Kafka browser")
                             .arg(partition)
                             .arg(offset)
                       : tr("Select a message the checker has matched to its Kafka record"));
}

bool LivePanel::selectNotification(const QByteArray &id)
{
    const int row = m_model->rowOfId(id);
    if (row < 0)
        return false;
    const QModelIndex proxyIndex = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!proxyIndex.isValid())
        return false;
    // Following the tail would scroll the selection away at the next batch.
    m_follow->setChecked(false);
    m_table->setCurrentIndex(proxyIndex);
    m_table->selectRow(proxyIndex.row());
    m_table->scrollTo(proxyIndex, QAbstractItemView::PositionAtCenter);
    return true;
}

} // namespace dualscope::ui
