// SPDX-License-Identifier: MIT
#include "browser/browserpanel.h"

#include "browser/recorddetailview.h"
#include "browser/recordpagemodel.h"
#include "kafka/browserworker.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLoggingCategory>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace dualscope::ui {

namespace {

Q_LOGGING_CATEGORY(lcBrowser, "dualscope.ui")

enum PartitionColumn {
    PartitionId,
    PartitionLeader,
    PartitionReplicas,
    PartitionIsr,
    PartitionLow,
    PartitionHigh,
    PartitionCount,
    PartitionLag,
    // "ok", or why the partition has no leader or no watermarks (a broker down).
    PartitionStatus,
    PartitionColumnCount
};

QString joinIds(const QList<qint32> &ids)
{
    QStringList parts;
    parts.reserve(ids.size());
    for (const qint32 id : ids)
        parts.append(QString::number(id));
    return parts.join(QLatin1Char(','));
}

QString place(const QByteArray &topic, qint32 partition)
{
    return QString::fromUtf8(topic) + QLatin1Char('/') + QString::number(partition);
}

} // namespace

BrowserPanel::BrowserPanel(QWidget *parent) : QWidget(parent)
{
    BrowserWorker::registerMetaTypes();
    buildUi();
    m_autoRefresh = new QTimer(this);
    m_autoRefresh->setInterval(kAutoRefreshMs);
    connect(m_autoRefresh, &QTimer::timeout, this, &BrowserPanel::refreshCurrentTopic);
}

BrowserPanel::~BrowserPanel() = default;

void BrowserPanel::buildUi()
{
    // Topics and partitions.
    m_topics = new QListWidget(this);
    m_topics->setObjectName(QStringLiteral("topics"));
    m_topics->setSelectionMode(QAbstractItemView::SingleSelection);

    m_partitions = new QTableWidget(0, PartitionColumnCount, this);
    m_partitions->setObjectName(QStringLiteral("partitions"));
    m_partitions->setHorizontalHeaderLabels({tr("Partition"), tr("Leader"), tr("Replicas"),
                                             tr("ISR"), tr("Low"), tr("High"), tr("Count"),
                                             tr("Lag"), tr("Status")});
    m_partitions->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_partitions->setSelectionMode(QAbstractItemView::SingleSelection);
    m_partitions->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_partitions->verticalHeader()->hide();
    m_partitions->horizontalHeader()->setStretchLastSection(true);
    // Numbers as wide as they are, so that Status (last, stretched) stays in sight.
    for (int column = 0; column < PartitionStatus; ++column)
        m_partitions->horizontalHeader()->setSectionResizeMode(column,
                                                               QHeaderView::ResizeToContents);

    m_groups = new QComboBox(this);
    m_groups->setObjectName(QStringLiteral("groups"));
    // Editable: clusters that cannot list groups (the sandbox's mock) still
    // answer the committed offsets of a group typed by name.
    m_groups->setEditable(true);
    m_groups->setInsertPolicy(QComboBox::NoInsert);
    m_groups->lineEdit()->setPlaceholderText(tr("consumer group"));
    m_refresh = new QPushButton(tr("Refresh"), this);
    m_refresh->setObjectName(QStringLiteral("refresh"));

    auto *partitionBox = new QWidget(this);
    auto *partitionLayout = new QVBoxLayout(partitionBox);
    partitionLayout->setContentsMargins(0, 0, 0, 0);
    auto *groupRow = new QHBoxLayout;
    groupRow->addWidget(new QLabel(tr("Group lag:"), partitionBox));
    groupRow->addWidget(m_groups, 1);
    groupRow->addWidget(m_refresh);
    partitionLayout->addLayout(groupRow);
    partitionLayout->addWidget(m_partitions);

    auto *top = new QSplitter(Qt::Horizontal, this);
    top->setObjectName(QStringLiteral("browserTopSplitter"));
    top->setChildrenCollapsible(false);
    m_topics->setMinimumWidth(m_topics->fontMetrics().averageCharWidth() * 10);
    top->addWidget(m_topics);
    top->addWidget(partitionBox);
    top->setStretchFactor(1, 3);

    // The page toolbar.
    m_anchor = new QComboBox(this);
    m_anchor->setObjectName(QStringLiteral("anchor"));
    m_anchor->addItem(tr("Offset"), static_cast<int>(kafka::PageRequest::Anchor::Offset));
    m_anchor->addItem(tr("Timestamp"), static_cast<int>(kafka::PageRequest::Anchor::Timestamp));
    m_anchor->addItem(tr("End"), static_cast<int>(kafka::PageRequest::Anchor::End));
    m_offset = new QLineEdit(QStringLiteral("0"), this);
    m_offset->setObjectName(QStringLiteral("offset"));
    m_offset->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,18}")), this));
    m_time = new QDateTimeEdit(QDateTime::currentDateTimeUtc(), this);
    m_time->setObjectName(QStringLiteral("timestamp"));
    m_time->setTimeSpec(Qt::UTC);
    m_time->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    m_time->setToolTip(
        tr("A record time, UTC: the page starts at the first record at or after it"));
    m_time->setCalendarPopup(true);
    m_count = new QSpinBox(this);
    m_count->setObjectName(QStringLiteral("count"));
    m_count->setRange(1, kafka::kMaxPageCount);
    m_count->setValue(100);
    m_newestFirst = new QCheckBox(tr("Newest first"), this);
    m_newestFirst->setObjectName(QStringLiteral("newestFirst"));
    m_load = new QPushButton(tr("Load"), this);
    m_load->setObjectName(QStringLiteral("load"));
    m_tail = new QCheckBox(tr("Live tail"), this);
    m_tail->setObjectName(QStringLiteral("liveTail"));
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("search"));
    m_search->setPlaceholderText(tr("Search (Ctrl+F)"));
    m_search->setToolTip(tr("Shows the records of the page whose key or value holds this text"));
    m_search->setMinimumWidth(m_search->fontMetrics().horizontalAdvance(tr("Search (Ctrl+F)")) +
                              32);
    m_search->setClearButtonEnabled(true);

    // The offset and the time share one place, as wide as the wider of them, so
    // switching the anchor never changes the window's width.
    m_position = new QStackedWidget(this);
    m_position->addWidget(m_offset);
    m_position->addWidget(m_time);
    m_position->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // Two rows, so that the panel stays narrow beside the live channels.
    auto *toolbar = new QVBoxLayout;
    auto *pageRow = new QHBoxLayout;
    pageRow->addWidget(m_anchor);
    pageRow->addWidget(m_position, 1);
    pageRow->addWidget(new QLabel(tr("Count"), this));
    pageRow->addWidget(m_count);
    pageRow->addWidget(m_load);
    auto *viewRow = new QHBoxLayout;
    viewRow->addWidget(m_newestFirst);
    viewRow->addWidget(m_tail);
    viewRow->addWidget(m_search, 1);
    toolbar->addLayout(pageRow);
    toolbar->addLayout(viewRow);

    // Records and their detail.
    m_model = new RecordPageModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterRole(RecordPageModel::SearchRole);
    m_proxy->setFilterKeyColumn(RecordPageModel::OffsetColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("records"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Fixed row heights: a page of 100,000 rows must not be measured row by row.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->setWordWrap(false);

    m_detail = new RecordDetailView(this);

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->setObjectName(QStringLiteral("browserPageSplitter"));
    bottom->setChildrenCollapsible(false);
    bottom->addWidget(m_table);
    bottom->addWidget(m_detail);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);

    m_message = new QLabel(this);
    m_message->setObjectName(QStringLiteral("message"));
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setWordWrap(true);

    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->setObjectName(QStringLiteral("browserSplitter"));
    vertical->setChildrenCollapsible(false);
    vertical->addWidget(top);
    auto *pageBox = new QWidget(this);
    auto *pageLayout = new QVBoxLayout(pageBox);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addLayout(toolbar);
    pageLayout->addWidget(bottom, 1);
    vertical->addWidget(pageBox);
    vertical->setStretchFactor(1, 3);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(vertical, 1);
    layout->addWidget(m_message);

    connect(m_topics, &QListWidget::currentRowChanged, this, [this] {
        fillPartitions();
        if (m_partitions->rowCount() > 0 && m_partitions->currentRow() < 0)
            m_partitions->selectRow(0);
        requestLag();
        restartTailIfOn();
    });
    connect(m_partitions, &QTableWidget::currentCellChanged, this,
            [this](int row, int, int previousRow) {
                if (row != previousRow)
                    restartTailIfOn();
            });
    connect(m_groups, &QComboBox::activated, this, [this] { requestLag(); });
    connect(m_groups->lineEdit(), &QLineEdit::editingFinished, this, [this] { requestLag(); });
    connect(m_refresh, &QPushButton::clicked, this, &BrowserPanel::refresh);
    connect(m_anchor, &QComboBox::currentIndexChanged, this, &BrowserPanel::updateAnchorWidgets);
    connect(m_load, &QPushButton::clicked, this, &BrowserPanel::loadClicked);
    connect(m_offset, &QLineEdit::returnPressed, this, &BrowserPanel::loadClicked);
    connect(m_tail, &QCheckBox::toggled, this, &BrowserPanel::setTail);
    connect(m_search, &QLineEdit::textChanged, this,
            [this](const QString &text) { m_proxy->setFilterFixedString(text); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &current) {
                if (!current.isValid()) {
                    m_detail->setRecord(std::nullopt);
                    return;
                }
                const int row = m_proxy->mapToSource(current).row();
                m_detail->setRecord(m_model->record(row), m_model->idOf(row));
            });
    // A reset or a trim can remove the shown record's row; the detail stays as
    // it was (it holds a copy) until another row is chosen.
    connect(m_detail, &RecordDetailView::showNotificationRequested, this,
            &BrowserPanel::showNotificationRequested);

    auto *find = new QShortcut(QKeySequence::Find, this);
    find->setContext(Qt::WidgetWithChildrenShortcut);
    connect(find, &QShortcut::activated, this, [this] {
        m_search->setFocus(Qt::ShortcutFocusReason);
        m_search->selectAll();
    });

    updateAnchorWidgets();
}

void BrowserPanel::setWorker(BrowserWorker *worker)
{
    if (m_worker) {
        disconnect(m_worker, nullptr, this, nullptr);
        if (!m_tailTopic.isEmpty())
            post([](BrowserWorker *w) { w->stopTail(); });
    }
    m_worker = worker;
    m_pendingPages = 0;
    m_tailTopic.clear();
    {
        const QSignalBlocker blocker(m_tail);
        m_tail->setChecked(false);
    }
    m_topicRefreshInFlight = false;
    m_lagInFlight = false;
    if (!worker) {
        m_autoRefresh->stop();
        return;
    }
    // Queued even if the worker shared this thread: a slot of the panel never
    // runs inside a worker call.
    connect(worker, &BrowserWorker::topicsLoaded, this, &BrowserPanel::onTopicsLoaded,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::topicRefreshed, this, &BrowserPanel::onTopicRefreshed,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::pageLoaded, this, &BrowserPanel::onPageLoaded,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::groupsLoaded, this, &BrowserPanel::onGroupsLoaded,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::groupLagLoaded, this, &BrowserPanel::onGroupLagLoaded,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::tailStarted, this, &BrowserPanel::onTailStarted,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::tailRecords, this, &BrowserPanel::onTailRecords,
            Qt::QueuedConnection);
    connect(worker, &BrowserWorker::failed, this, &BrowserPanel::onFailed, Qt::QueuedConnection);
    refresh();
    m_autoRefresh->start();
}

void BrowserPanel::post(std::function<void(BrowserWorker *)> call)
{
    if (!m_worker) {
        showError(tr("No Kafka connection."));
        return;
    }
    // Runs on the worker's thread; dropped if the worker is gone by then.
    BrowserWorker *worker = m_worker.data();
    QMetaObject::invokeMethod(
        worker, [worker, call = std::move(call)] { call(worker); }, Qt::QueuedConnection);
}

void BrowserPanel::refresh()
{
    post([](BrowserWorker *w) { w->refreshTopics(); });
    post([](BrowserWorker *w) { w->loadGroups(); });
    requestLag();
}

void BrowserPanel::refreshCurrentTopic()
{
    const QByteArray topic = currentTopic();
    if (!m_worker || topic.isEmpty())
        return;
    if (!m_topicRefreshInFlight) {
        m_topicRefreshInFlight = true;
        post([topic](BrowserWorker *w) { w->refreshTopic(topic); });
    }
    if (!m_lagInFlight && !chosenGroup().isEmpty())
        requestLag();
}

void BrowserPanel::onTopicRefreshed(const kafka::TopicInfo &topic)
{
    m_topicRefreshInFlight = false;
    m_topicRequestError.clear();
    clearErrorFrom(QStringLiteral("topic"));
    const auto known =
        std::find_if(m_topicInfos.begin(), m_topicInfos.end(),
                     [&topic](const kafka::TopicInfo &t) { return t.name == topic.name; });
    if (known == m_topicInfos.end()) {
        // A topic made since the list was read: the list is asked anew.
        post([](BrowserWorker *w) { w->refreshTopics(); });
        return;
    }
    *known = topic;
    if (topic.name == currentTopic())
        fillPartitions();
}

void BrowserPanel::updateClusterProblem()
{
    QString problem = m_topicRequestError;
    const kafka::TopicInfo *topic = topicInfo(currentTopic());
    if (problem.isEmpty() && topic) {
        QStringList reasons;
        qsizetype broken = 0;
        for (const kafka::PartitionInfo &p : topic->partitions) {
            if (p.error.isEmpty())
                continue;
            ++broken;
            if (!reasons.contains(p.error))
                reasons << p.error;
        }
        if (broken > 0)
            problem = tr("%1 of %2 partitions of %3 are not healthy: %4")
                          .arg(broken)
                          .arg(topic->partitions.size())
                          .arg(QString::fromUtf8(topic->name), reasons.join(QStringLiteral("; ")));
    }
    if (problem == m_clusterProblem)
        return;
    m_clusterProblem = problem;
    Q_EMIT clusterProblemChanged(problem);
}

void BrowserPanel::clearErrorFrom(const QString &what)
{
    if (m_errorFrom.isEmpty() || m_errorFrom != what)
        return;
    m_errorFrom.clear();
    showMessage(QString());
}

void BrowserPanel::onTopicsLoaded(const QList<kafka::TopicInfo> &topics)
{
    m_topicRequestError.clear();
    clearErrorFrom(QStringLiteral("topics"));
    const QByteArray current =
        m_pendingTopic.isEmpty() ? currentTopic() : std::exchange(m_pendingTopic, {});
    const qint32 partition =
        m_pendingPartition >= 0 ? std::exchange(m_pendingPartition, -1) : currentPartition();
    m_topicInfos = topics;
    {
        // Rebuilding the list is not the user choosing another topic.
        const QSignalBlocker blocker(m_topics);
        m_topics->clear();
        for (const kafka::TopicInfo &topic : topics) {
            auto *item = new QListWidgetItem(QString::fromUtf8(topic.name), m_topics);
            if (!topic.error.isEmpty())
                item->setToolTip(topic.error);
        }
    }
    if (!current.isEmpty() && selectTopic(current)) {
        fillPartitions();
        selectPartition(partition);
    } else if (m_topics->count() > 0) {
        m_topics->setCurrentRow(0);
    }
    if (m_message->text().isEmpty())
        showMessage(tr("%n topic(s)", nullptr, static_cast<int>(topics.size())));
}

QByteArray BrowserPanel::currentTopic() const
{
    const QListWidgetItem *item = m_topics->currentItem();
    return item ? item->text().toUtf8() : QByteArray();
}

qint32 BrowserPanel::currentPartition() const
{
    const int row = m_partitions->currentRow();
    const QTableWidgetItem *item = row >= 0 ? m_partitions->item(row, PartitionId) : nullptr;
    return item ? item->data(Qt::UserRole).toInt() : 0;
}

const kafka::TopicInfo *BrowserPanel::topicInfo(const QByteArray &name) const
{
    for (const kafka::TopicInfo &topic : m_topicInfos) {
        if (topic.name == name)
            return &topic;
    }
    return nullptr;
}

bool BrowserPanel::selectTopic(const QByteArray &name)
{
    const QList<QListWidgetItem *> items =
        m_topics->findItems(QString::fromUtf8(name), Qt::MatchExactly);
    if (items.isEmpty())
        return false;
    const QSignalBlocker blocker(m_topics);
    m_topics->setCurrentItem(items.first());
    return true;
}

void BrowserPanel::selectPartition(qint32 partition)
{
    for (int row = 0; row < m_partitions->rowCount(); ++row) {
        if (m_partitions->item(row, PartitionId)->data(Qt::UserRole).toInt() == partition) {
            const QSignalBlocker blocker(m_partitions);
            m_partitions->selectRow(row);
            return;
        }
    }
}

void BrowserPanel::fillPartitions()
{
    const qint32 selected = currentPartition();
    const QByteArray topicName = currentTopic();
    const kafka::TopicInfo *topic = topicInfo(topicName);
    const QSignalBlocker blocker(m_partitions);
    m_partitions->setRowCount(0);
    if (!topic) {
        updateClusterProblem();
        return;
    }
    m_partitions->setRowCount(static_cast<int>(topic->partitions.size()));
    const bool lagShown = !m_lagGroup.isEmpty() && m_lagTopic == topicName;
    for (int row = 0; row < topic->partitions.size(); ++row) {
        const kafka::PartitionInfo &p = topic->partitions[row];
        auto cell = [&](int column, const QString &text) {
            auto *item = new QTableWidgetItem(text);
            if (!p.error.isEmpty()) {
                item->setToolTip(p.error);
                item->setForeground(QColor(0xb3, 0x26, 0x1e));
            }
            m_partitions->setItem(row, column, item);
            return item;
        };
        cell(PartitionId, QString::number(p.id))->setData(Qt::UserRole, p.id);
        cell(PartitionLeader, p.leader >= 0 ? QString::number(p.leader) : tr("none"));
        cell(PartitionReplicas, joinIds(p.replicas));
        cell(PartitionIsr, joinIds(p.isrs));
        cell(PartitionLow, p.low >= 0 ? QString::number(p.low) : QStringLiteral("-"));
        cell(PartitionHigh, p.high >= 0 ? QString::number(p.high) : QStringLiteral("-"));
        cell(PartitionCount, QString::number(p.messageCount()));
        const auto lag = m_lag.constFind(p.id);
        QTableWidgetItem *lagItem = cell(
            PartitionLag, lagShown && lag != m_lag.cend() ? QString::number(lag->lag) : QString());
        if (lagShown && lag != m_lag.cend())
            lagItem->setToolTip(
                lag->note.isEmpty()
                    ? tr("committed %1, high watermark %2").arg(lag->committed).arg(lag->high)
                    : lag->note);
        cell(PartitionStatus, p.error.isEmpty() ? tr("ok") : p.error);
    }
    selectPartition(selected);
    updateClusterProblem();
}

QByteArray BrowserPanel::chosenGroup() const
{
    return m_groups->currentText().trimmed().toUtf8();
}

void BrowserPanel::requestLag()
{
    const QByteArray group = chosenGroup();
    const QByteArray topic = currentTopic();
    if (group.isEmpty() || topic.isEmpty()) {
        if (!m_lagGroup.isEmpty()) {
            m_lagGroup.clear();
            m_lag.clear();
            fillPartitions();
        }
        return;
    }
    m_lagInFlight = true;
    post([group, topic](BrowserWorker *w) { w->loadGroupLag(group, topic); });
}

void BrowserPanel::onGroupsLoaded(const QList<kafka::GroupInfo> &groups)
{
    const QString current = m_groups->currentText();
    const QSignalBlocker blocker(m_groups);
    m_groups->clear();
    for (const kafka::GroupInfo &group : groups)
        m_groups->addItem(QString::fromUtf8(group.name));
    m_groups->setCurrentIndex(m_groups->findText(current));
    m_groups->setEditText(current);
}

void BrowserPanel::onGroupLagLoaded(const QByteArray &group, const QByteArray &topic,
                                    const QList<kafka::GroupLag> &lag)
{
    m_lagInFlight = false;
    clearErrorFrom(QStringLiteral("lag"));
    // An answer for a group or topic no longer chosen is stale.
    if (group != chosenGroup() || topic != currentTopic())
        return;
    m_lagGroup = group;
    m_lagTopic = topic;
    m_lag.clear();
    for (const kafka::GroupLag &l : lag)
        m_lag.insert(l.partition, l);
    fillPartitions();
}

void BrowserPanel::updateAnchorWidgets()
{
    const auto anchor = static_cast<kafka::PageRequest::Anchor>(m_anchor->currentData().toInt());
    m_position->setCurrentWidget(anchor == kafka::PageRequest::Anchor::Timestamp
                                     ? static_cast<QWidget *>(m_time)
                                     : static_cast<QWidget *>(m_offset));
    // At the end there is no position to give.
    m_position->setEnabled(anchor != kafka::PageRequest::Anchor::End);
}

void BrowserPanel::loadClicked()
{
    kafka::PageRequest request;
    request.topic = currentTopic();
    if (request.topic.isEmpty()) {
        showError(tr("Choose a topic first."));
        return;
    }
    request.partition = currentPartition();
    request.anchor = static_cast<kafka::PageRequest::Anchor>(m_anchor->currentData().toInt());
    request.offset = m_offset->text().toLongLong();
    request.timestampMs = m_time->dateTime().toMSecsSinceEpoch();
    request.count = m_count->value();
    request.newestFirst = m_newestFirst->isChecked();
    m_selectOffset = -1;
    requestPage(request);
}

void BrowserPanel::requestPage(const kafka::PageRequest &request)
{
    ++m_pendingPages;
    m_lastRequest = request;
    showMessage(tr("Loading %1…").arg(place(request.topic, request.partition)));
    post([request](BrowserWorker *w) { w->loadPage(request); });
}

void BrowserPanel::onPageLoaded(const kafka::Page &page)
{
    if (m_pendingPages > 0)
        --m_pendingPages;
    if (m_pendingPages > 0)
        return; // a newer request is on its way; its answer replaces this one
    m_model->setRecords(page.records, m_lastRequest.newestFirst);
    // The page's watermarks are fresher than the topic list's.
    for (kafka::TopicInfo &topic : m_topicInfos) {
        if (topic.name != m_lastRequest.topic)
            continue;
        for (kafka::PartitionInfo &p : topic.partitions) {
            if (p.id == m_lastRequest.partition) {
                p.low = page.low;
                p.high = page.high;
            }
        }
        if (topic.name == currentTopic())
            fillPartitions();
    }
    const QString summary = tr("%n record(s) of %1 from offset %2 (low %3, high %4)", nullptr,
                               static_cast<int>(page.records.size()))
                                .arg(place(m_lastRequest.topic, m_lastRequest.partition))
                                .arg(page.startOffset)
                                .arg(page.low)
                                .arg(page.high);
    if (page.notice.isEmpty())
        showMessage(summary);
    else
        showMessage(page.notice + QStringLiteral(" — ") + summary);
    if (m_selectOffset >= 0)
        selectOffset(std::exchange(m_selectOffset, -1));
}

void BrowserPanel::selectOffset(qint64 offset)
{
    const int row = m_model->rowOfOffset(offset);
    if (row < 0) {
        showMessage(m_message->text() + QLatin1Char(' ') +
                    tr("(offset %1 is not in the page)").arg(offset));
        return;
    }
    QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        // Hidden by the search: the record asked for wins over the filter.
        m_search->clear();
        index = m_proxy->mapFromSource(m_model->index(row, 0));
    }
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index, QAbstractItemView::PositionAtCenter);
}

void BrowserPanel::showRecord(const QByteArray &topic, qint32 partition, qint64 offset)
{
    if (selectTopic(topic)) {
        fillPartitions();
        selectPartition(partition);
        requestLag();
        restartTailIfOn();
    } else {
        m_pendingTopic = topic;
        m_pendingPartition = partition;
    }
    m_anchor->setCurrentIndex(
        m_anchor->findData(static_cast<int>(kafka::PageRequest::Anchor::Offset)));
    m_offset->setText(QString::number(offset));
    kafka::PageRequest request;
    request.topic = topic;
    request.partition = partition;
    request.anchor = kafka::PageRequest::Anchor::Offset;
    request.offset = offset;
    request.count = m_count->value();
    request.newestFirst = m_newestFirst->isChecked();
    m_selectOffset = offset;
    requestPage(request);
}

void BrowserPanel::setTail(bool on)
{
    if (!on) {
        if (!m_tailTopic.isEmpty()) {
            m_tailTopic.clear();
            post([](BrowserWorker *w) { w->stopTail(); });
            showMessage(tr("Live tail stopped."));
        }
        return;
    }
    const QByteArray topic = currentTopic();
    if (topic.isEmpty() || !m_worker) {
        showError(topic.isEmpty() ? tr("Choose a topic first.") : tr("No Kafka connection."));
        const QSignalBlocker blocker(m_tail);
        m_tail->setChecked(false);
        return;
    }
    const qint32 partition = currentPartition();
    m_tailTopic = topic;
    m_tailPartition = partition;
    showMessage(tr("Starting the live tail of %1…").arg(place(topic, partition)));
    post([topic, partition](BrowserWorker *w) { w->startTail(topic, partition); });
}

void BrowserPanel::restartTailIfOn()
{
    if (m_tailTopic.isEmpty())
        return;
    if (m_tailTopic == currentTopic() && m_tailPartition == currentPartition())
        return;
    // The table follows one partition: records of the new one do not join the
    // old page.
    m_model->clear();
    setTail(true);
}

void BrowserPanel::onTailStarted(const QByteArray &topic, qint32 partition)
{
    if (topic == m_tailTopic && partition == m_tailPartition)
        showMessage(tr("Following %1 from its end.").arg(place(topic, partition)));
}

void BrowserPanel::onTailRecords(const QList<kafka::KafkaRecord> &records)
{
    // A batch of a tail already replaced or stopped may still be queued.
    if (m_tailTopic.isEmpty() || records.isEmpty() || records.first().topic != m_tailTopic ||
        records.first().partition != m_tailPartition)
        return;
    m_model->appendRecords(records);
}

void BrowserPanel::onFailed(const QString &what, const QString &error)
{
    qCDebug(lcBrowser) << what << error;
    if (what == QLatin1String("page")) {
        if (m_pendingPages > 0)
            --m_pendingPages;
        m_selectOffset = -1;
    } else if (what == QLatin1String("groups")) {
        // Routine on clusters without ListGroups (the sandbox's mock): a group
        // name can still be typed, so this is a hint on the box, not an error.
        m_groups->setToolTip(error);
        m_groups->lineEdit()->setPlaceholderText(tr("consumer group (type a name)"));
        return;
    } else if (what == QLatin1String("tail")) {
        m_tailTopic.clear();
        const QSignalBlocker blocker(m_tail);
        m_tail->setChecked(false);
    }
    if (what == QLatin1String("topic") || what == QLatin1String("topics")) {
        m_topicRefreshInFlight = false;
        m_topicRequestError = error;
        updateClusterProblem();
    } else if (what == QLatin1String("lag")) {
        m_lagInFlight = false;
    }
    showError(what + QStringLiteral(": ") + error, what);
}

void BrowserPanel::showMessage(const QString &text)
{
    m_errorFrom.clear();
    m_message->setStyleSheet(QString());
    m_message->setText(text);
}

void BrowserPanel::showError(const QString &text, const QString &from)
{
    m_message->setStyleSheet(QStringLiteral("color: #b3261e;"));
    m_message->setText(text);
    m_errorFrom = from;
}

} // namespace dualscope::ui
