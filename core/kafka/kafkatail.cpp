// SPDX-License-Identifier: MIT
#include "kafka/kafkatail.h"

#include "kafka/kafkabrowser.h"
#include "kafka/kafkalog.h"

#include <QDateTime>
#include <QMutexLocker>
#include <QStringList>
#include <QTimer>
#include <algorithm>
#include <cstring>
#include <librdkafka/rdkafka.h>
#include <limits>

namespace dualscope::kafka {

namespace {

// Poll often enough that a record reaches the checker within a frame or two,
// rarely enough that an idle tail costs nothing.
constexpr int kPollIntervalMs = 20;
// A tick hands out at most this many records, so a backlog of millions never
// blocks the worker's event loop (1M records/s at 20 ms ticks).
constexpr int kMaxRecordsPerTick = 20000;
// How often the high watermarks are asked for, so that "everything appended before
// T has been read" moves on under traffic that never lets a partition reach its end.
constexpr int kWatermarkQueryMs = 500;
constexpr int kWatermarkTimeoutMs = 1000;

qint64 wallMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

Properties tailProperties(const Properties &user)
{
    Properties properties{
        {"client.id", "dualscope-tail"},
        // librdkafka's assign() needs a consumer with a group; the tail never
        // joins it (no subscribe) and never commits.
        {"group.id", "dualscope-tail"},
        // How long a broker may hold an empty fetch at the end of a partition:
        // bounds how late a new record is seen (librdkafka 2.0.2's mock always
        // waits this long, and answers one batch per partition a fetch, so at full
        // speed a longer wait made the tail fall seconds behind; a real broker
        // answers as soon as data arrives).
        {"fetch.wait.max.ms", "10"},
        // When retention overtakes a slow tail, go on from the oldest retained record.
        {"auto.offset.reset", "earliest"},
        // The prefetch queue (64 MB by default) is most of a checker's memory when it
        // reads a long retained topic; 16 MB still keeps the fetchers busy.
        {"queued.max.messages.kbytes", "16384"},
    };
    properties.append(user);
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.commit", "false"));
    properties.append(std::pair<QByteArray, QByteArray>("enable.auto.offset.store", "false"));
    // Caught-up detection rests on the EOF events.
    properties.append(std::pair<QByteArray, QByteArray>("enable.partition.eof", "true"));
    return properties;
}

// A group member's properties: the tail's, in the group, and a session timeout that
// hands a dead member's partitions over within seconds instead of librdkafka's 45 s.
// Each can be overridden with -X; committing stays ours.
//
// Assignment is roundrobin, not cooperative-sticky: librdkafka 2.0.2 (Debian 12) aborts
// in rd_kafka_sticky_assignor_state_destroy when a member that has no assignment yet
// goes through a rebalance (librdkafka issue 4312, fixed in 2.3.0), which is exactly a
// checker added to a running group. Both protocols are handled below, so
// -X partition.assignment.strategy=cooperative-sticky works with a newer librdkafka.
Properties groupProperties(const Properties &user, const QByteArray &group)
{
    Properties properties{
        {"partition.assignment.strategy", "roundrobin"},
        {"session.timeout.ms", "10000"},
        {"heartbeat.interval.ms", "1000"},
    };
    properties.append(user);
    Properties all = tailProperties(properties);
    all.append(std::pair<QByteArray, QByteArray>("group.id", group));
    return all;
}

QString partitionListText(const QList<qint32> &partitions)
{
    QStringList text;
    for (const qint32 partition : partitions)
        text.append(QString::number(partition));
    return text.isEmpty() ? QStringLiteral("none") : text.join(QLatin1Char(','));
}

struct PartitionListDeleter
{
    void operator()(rd_kafka_topic_partition_list_t *list) const
    {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MessageDeleter
{
    void operator()(rd_kafka_message_t *message) const { rd_kafka_message_destroy(message); }
};

} // namespace

KafkaTail::KafkaTail(QByteArray bootstrap, Properties properties, TailOptions options,
                     QObject *parent)
    : QObject(parent), m_bootstrap(std::move(bootstrap)), m_properties(std::move(properties)),
      m_options(std::move(options))
{
}

KafkaTail::~KafkaTail()
{
    stop();
}

QList<TailPosition> KafkaTail::positions() const
{
    QMutexLocker lock(&m_positionsMutex);
    QList<TailPosition> positions = m_retired; // group mode: partitions read, since revoked
    for (const PartitionState &state : m_partitions)
        positions.append({state.partition, state.firstOffset, state.lastOffset});
    return positions;
}

QHash<qint32, qint64> KafkaTail::startOffsets() const
{
    QMutexLocker lock(&m_positionsMutex);
    QHash<qint32, qint64> offsets;
    for (const PartitionState &state : m_partitions)
        offsets.insert(state.partition, m_startOffsets.value(state.partition, -1));
    return offsets;
}

bool KafkaTail::resolveStarts(const QList<qint32> &wantedPartitions,
                              const QHash<qint32, qint64> &committed, QList<PartitionState> *states,
                              qint32 *partitionCount, QString *error)
{
    // The browser's blocking lookups (watermarks, the timestamp bisect) on a
    // handle of their own, dropped once the tail is positioned.
    KafkaBrowser browser(m_bootstrap, m_properties);
    if (!browser.open(error))
        return false;
    const QDeadlineTimer deadline(m_options.resolveTimeoutMs);
    const std::optional<TopicInfo> topic =
        browser.topic(m_options.topic, m_options.resolveTimeoutMs, error);
    if (!topic)
        return false;
    *partitionCount = qint32(topic->partitions.size());
    QList<qint32> wanted = wantedPartitions;
    if (wanted.isEmpty() && m_options.group.isEmpty()) {
        for (const PartitionInfo &partition : topic->partitions)
            wanted.append(partition.id);
    }
    for (const qint32 id : wanted) {
        const auto info = std::find_if(topic->partitions.begin(), topic->partitions.end(),
                                       [id](const PartitionInfo &p) { return p.id == id; });
        const QString place =
            QStringLiteral("%1[%2]").arg(QString::fromUtf8(m_options.topic)).arg(id);
        if (info == topic->partitions.end()) {
            *error = QStringLiteral("%1 does not exist: the topic has %2 partitions")
                         .arg(place)
                         .arg(topic->partitions.size());
            return false;
        }
        if (!info->error.isEmpty()) {
            *error = QStringLiteral("%1: %2").arg(place, info->error);
            return false;
        }
        qint64 start = info->high;
        const auto committedOffset = committed.constFind(id);
        if (committedOffset != committed.cend()) {
            // Where the group's last owner stopped judging. Below the retained range
            // the fetch resets to the oldest record and recordsSkipped() says so.
            start = std::min(*committedOffset, info->high);
        } else {
            switch (m_options.from) {
            case From::End:
                break;
            case From::Beginning:
                start = info->low;
                break;
            case From::Timestamp: {
                QString notice;
                const std::optional<qint64> offset = browser.offsetForTimestamp(
                    m_options.topic, id, m_options.timestampMs,
                    static_cast<int>(std::max<qint64>(1, deadline.remainingTime())), error,
                    &notice);
                if (!offset)
                    return false;
                start = *offset;
                if (!notice.isEmpty())
                    qCInfo(lcKafka, "tail: %s", qPrintable(notice));
                break;
            }
            case From::Offsets:
                start = m_options.offsets.value(id, info->high);
                if (start < info->low || start > info->high) {
                    qCInfo(lcKafka,
                           "tail: offset %lld is outside %s's retained range [%lld, %lld]: "
                           "starting at %lld",
                           start, qPrintable(place), info->low, info->high,
                           std::clamp(start, info->low, info->high));
                    start = std::clamp(start, info->low, info->high);
                }
                break;
            }
        }
        PartitionState state;
        state.partition = id;
        state.next = start;
        states->append(state);
    }
    return true;
}

bool KafkaTail::resolveStart(QString *error)
{
    QList<PartitionState> states;
    qint32 partitionCount = 0;
    if (!resolveStarts(m_options.partitions, {}, &states, &partitionCount, error))
        return false;
    QMutexLocker lock(&m_positionsMutex);
    m_partitions = states;
    m_partitionCount = partitionCount;
    m_startOffsets.clear();
    for (const PartitionState &state : std::as_const(m_partitions))
        m_startOffsets.insert(state.partition, state.next);
    return true;
}

void KafkaTail::start()
{
    if (m_running)
        return;
    QString error;
    if (!m_options.group.isEmpty()) {
        if (!joinGroup(&error))
            emit errorOccurred(error);
        return;
    }
    if (!resolveStart(&error)) {
        emit errorOccurred(error);
        return;
    }
    m_consumer = newConsumer(m_bootstrap, tailProperties(m_properties), &error);
    if (!m_consumer) {
        emit errorOccurred(error);
        return;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(m_partitions.size());
    for (const PartitionState &state : std::as_const(m_partitions))
        rd_kafka_topic_partition_list_add(list, m_options.topic.constData(), state.partition)
            ->offset = state.next;
    const rd_kafka_resp_err_t err = rd_kafka_assign(m_consumer.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        m_consumer.reset();
        emit errorOccurred(QStringLiteral("cannot assign %1: %2")
                               .arg(QString::fromUtf8(m_options.topic), errorText(err)));
        return;
    }
    startPolling();
    qCInfo(lcKafka, "tail: %s positioned on %lld partition(s)", m_options.topic.constData(),
           static_cast<long long>(m_partitions.size()));
    emit positioned();
}

void KafkaTail::startPolling()
{
    m_running = true;
    m_caughtUp = false;
    if (!m_timer) {
        m_timer = new QTimer(this);
        m_timer->setInterval(kPollIntervalMs);
        connect(m_timer, &QTimer::timeout, this, &KafkaTail::poll);
    }
    m_timer->start();
}

bool KafkaTail::joinGroup(QString *error)
{
    // The topic must exist before the group is joined: a subscription to a missing
    // topic would wait silently.
    QList<PartitionState> none;
    if (!resolveStarts({}, {}, &none, &m_partitionCount, error))
        return false;
    m_consumer = newConsumer(
        m_bootstrap, groupProperties(m_properties, m_options.group), error,
        [this](rd_kafka_conf_t *conf) {
            rd_kafka_conf_set_opaque(conf, this);
            // Called by librdkafka inside rd_kafka_consumer_poll(), on this thread.
            rd_kafka_conf_set_rebalance_cb(conf, [](rd_kafka_t *, rd_kafka_resp_err_t err,
                                                    rd_kafka_topic_partition_list_t *partitions,
                                                    void *opaque) {
                auto *tail = static_cast<KafkaTail *>(opaque);
                if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
                    tail->assignFromGroup(partitions);
                else
                    tail->revokeFromGroup(partitions);
            });
            rd_kafka_conf_set_offset_commit_cb(conf, [](rd_kafka_t *, rd_kafka_resp_err_t err,
                                                        rd_kafka_topic_partition_list_t *offsets,
                                                        void *) {
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
                    qCWarning(lcKafka, "tail: committing %d offset(s) failed: %s",
                              offsets ? offsets->cnt : 0, rd_kafka_err2str(err));
            });
        });
    if (!m_consumer)
        return false;
    PartitionListPtr topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), m_options.topic.constData(),
                                      RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(m_consumer.get(), topics.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        m_consumer.reset();
        *error = QStringLiteral("cannot join group %1 on %2: %3")
                     .arg(QString::fromUtf8(m_options.group), QString::fromUtf8(m_options.topic),
                          errorText(err));
        return false;
    }
    startPolling();
    qCInfo(lcKafka, "tail: joining group %s on %s", m_options.group.constData(),
           m_options.topic.constData());
    return true;
}

void KafkaTail::assignFromGroup(rd_kafka_topic_partition_list_t *partitions)
{
    const bool cooperative =
        std::strcmp(rd_kafka_rebalance_protocol(m_consumer.get()), "COOPERATIVE") == 0;
    if (m_declineNewPartitions) {
        if (cooperative) {
            if (rd_kafka_error_t *failure =
                    rd_kafka_incremental_assign(m_consumer.get(), partitions))
                rd_kafka_error_destroy(failure);
        } else {
            rd_kafka_assign(m_consumer.get(), partitions);
        }
        rd_kafka_pause_partitions(m_consumer.get(), partitions);
        qCInfo(lcKafka, "tail: group %s gave %d partition(s) after the window ended; not read",
               m_options.group.constData(), partitions->cnt);
        return;
    }
    QList<qint32> ids;
    for (int i = 0; i < partitions->cnt; ++i) {
        if (m_options.topic == partitions->elems[i].topic)
            ids.append(partitions->elems[i].partition);
    }
    // Where the group's previous owner stopped: its committed offsets.
    PartitionListPtr starts(rd_kafka_topic_partition_list_copy(partitions));
    QHash<qint32, qint64> committed;
    if (!ids.isEmpty()) {
        const rd_kafka_resp_err_t err =
            rd_kafka_committed(m_consumer.get(), starts.get(), m_options.resolveTimeoutMs);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
            qCWarning(lcKafka, "tail: cannot read the group's committed offsets: %s",
                      rd_kafka_err2str(err));
        for (int i = 0; i < starts->cnt; ++i) {
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR && starts->elems[i].offset >= 0)
                committed.insert(starts->elems[i].partition, starts->elems[i].offset);
        }
    }
    QList<PartitionState> states;
    QString error;
    qint32 partitionCount = m_partitionCount;
    if (!resolveStarts(ids, committed, &states, &partitionCount, &error)) {
        // Assigned anyway, at the committed offset or the end: refusing would only
        // hand the partitions to another member that fails the same way.
        qCWarning(lcKafka, "tail: %s", qPrintable(error));
        emit errorOccurred(error);
        states.clear();
        for (const qint32 id : std::as_const(ids)) {
            PartitionState state;
            state.partition = id;
            state.next = committed.value(id, RD_KAFKA_OFFSET_END);
            states.append(state);
        }
    }
    for (int i = 0; i < starts->cnt; ++i) {
        for (const PartitionState &state : std::as_const(states)) {
            if (state.partition == starts->elems[i].partition)
                starts->elems[i].offset = state.next;
        }
    }
    if (cooperative) {
        if (rd_kafka_error_t *failure =
                rd_kafka_incremental_assign(m_consumer.get(), starts.get())) {
            qCWarning(lcKafka, "tail: incremental assign failed: %s",
                      rd_kafka_error_string(failure));
            rd_kafka_error_destroy(failure);
        }
    } else {
        rd_kafka_assign(m_consumer.get(), starts.get());
    }
    {
        QMutexLocker lock(&m_positionsMutex);
        if (!cooperative)
            m_partitions.clear();
        for (PartitionState &state : states) {
            m_startOffsets.insert(state.partition, state.next);
            m_committed.insert(state.partition, state.next);
            m_partitions.append(state);
        }
        m_partitionCount = partitionCount;
    }
    qCInfo(lcKafka, "tail: group %s assigned partitions %s", m_options.group.constData(),
           qPrintable(partitionListText(ids)));
    m_caughtUp = false;
    emit partitionsAssigned(ids, m_partitionCount, wallMs());
    if (!m_groupPositioned) {
        m_groupPositioned = true;
        emit positioned();
    }
}

void KafkaTail::revokeFromGroup(rd_kafka_topic_partition_list_t *partitions)
{
    const bool cooperative =
        std::strcmp(rd_kafka_rebalance_protocol(m_consumer.get()), "COOPERATIVE") == 0;
    const bool lost = rd_kafka_assignment_lost(m_consumer.get()) != 0;
    // Every record read goes out before the partitions go: the consumer judges them.
    flush();
    QList<qint32> ids;
    PartitionListPtr next(rd_kafka_topic_partition_list_new(partitions->cnt));
    {
        QMutexLocker lock(&m_positionsMutex);
        for (int i = 0; i < partitions->cnt; ++i) {
            if (m_options.topic != partitions->elems[i].topic)
                continue;
            const qint32 id = partitions->elems[i].partition;
            const auto state =
                std::find_if(m_partitions.begin(), m_partitions.end(),
                             [id](const PartitionState &p) { return p.partition == id; });
            if (state == m_partitions.end())
                continue; // declined: never read
            ids.append(id);
            if (state->next >= 0)
                rd_kafka_topic_partition_list_add(next.get(), m_options.topic.constData(), id)
                    ->offset = state->next;
            m_retired.append({id, state->firstOffset, state->lastOffset});
            m_partitions.erase(state);
            m_committed.remove(id);
        }
    }
    // The consumer promised to judge what it was handed (it keeps the partitions'
    // notifications for a grace window): the next owner starts after it. Nothing is
    // committed for lost partitions (the group has moved on) nor while closing (the
    // consumer committed what it judged, or failed and judged nothing more).
    if (!lost && !m_closing && next->cnt > 0) {
        const rd_kafka_resp_err_t err = rd_kafka_commit(m_consumer.get(), next.get(), 0);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
            qCWarning(lcKafka, "tail: committing revoked partitions failed: %s",
                      rd_kafka_err2str(err));
    }
    if (cooperative) {
        if (rd_kafka_error_t *failure =
                rd_kafka_incremental_unassign(m_consumer.get(), partitions)) {
            rd_kafka_error_destroy(failure);
        }
    } else {
        rd_kafka_assign(m_consumer.get(), nullptr);
    }
    qCInfo(lcKafka, "tail: group %s %s partitions %s", m_options.group.constData(),
           lost ? "lost" : "revoked", qPrintable(partitionListText(ids)));
    if (!m_closing && !ids.isEmpty())
        emit partitionsRevoked(ids, lost, wallMs());
    updateCaughtUp();
}

void KafkaTail::declineNewPartitions()
{
    m_declineNewPartitions = true;
}

void KafkaTail::commit(const QHash<qint32, qint64> &nextOffsets)
{
    if (!m_consumer || m_options.group.isEmpty())
        return;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(int(nextOffsets.size())));
    for (auto it = nextOffsets.cbegin(); it != nextOffsets.cend(); ++it) {
        const PartitionState *state = stateOf(it.key());
        if (!state)
            continue; // revoked meanwhile: the revocation committed it
        const qint64 offset = std::min(it.value(), state->next);
        if (offset <= m_committed.value(it.key(), -1))
            continue;
        m_committed.insert(it.key(), offset);
        rd_kafka_topic_partition_list_add(list.get(), m_options.topic.constData(), it.key())
            ->offset = offset;
    }
    if (list->cnt > 0)
        rd_kafka_commit(m_consumer.get(), list.get(), 1);
}

void KafkaTail::commitEverythingRead()
{
    if (!m_consumer || m_options.group.isEmpty())
        return;
    PartitionListPtr list(rd_kafka_topic_partition_list_new(int(m_partitions.size())));
    for (const PartitionState &state : std::as_const(m_partitions)) {
        if (state.next >= 0 && state.next > m_committed.value(state.partition, -1))
            rd_kafka_topic_partition_list_add(list.get(), m_options.topic.constData(),
                                              state.partition)
                ->offset = state.next;
    }
    if (list->cnt == 0)
        return;
    const rd_kafka_resp_err_t err = rd_kafka_commit(m_consumer.get(), list.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        qCWarning(lcKafka, "tail: final commit failed: %s", rd_kafka_err2str(err));
}

void KafkaTail::stop()
{
    if (m_timer)
        m_timer->stop();
    m_running = false;
    m_batch.clear();
    if (m_consumer) {
        // Without a group closing only stops the fetchers; a member leaves its group
        // (its partitions go to the others at once) and commits nothing more.
        m_closing = true;
        rd_kafka_consumer_close(m_consumer.get());
        m_consumer.reset();
        m_closing = false;
    }
}

KafkaTail::PartitionState *KafkaTail::stateOf(qint32 partition)
{
    for (PartitionState &state : m_partitions) {
        if (state.partition == partition)
            return &state;
    }
    return nullptr;
}

void KafkaTail::flush()
{
    if (m_batch.isEmpty())
        return;
    QList<KafkaRecord> batch;
    batch.swap(m_batch);
    if (m_options.consumerBacklog)
        m_options.consumerBacklog->fetch_add(batch.size());
    emit records(batch);
}

void KafkaTail::updateCaughtUp()
{
    bool all = !m_partitions.isEmpty();
    for (const PartitionState &state : std::as_const(m_partitions))
        all = all && state.atEnd;
    if (all == m_caughtUp)
        return;
    m_caughtUp = all;
    // The records that led here go out first: a listener that judges orphans
    // once caught up must have seen them.
    if (all)
        flush();
    if (m_running)
        emit caughtUp(all);
}

void KafkaTail::poll()
{
    QString lastError;
    const bool consumerFull = m_options.consumerBacklog &&
                              m_options.consumerBacklog->load() >= m_options.maxConsumerBacklog;
    for (int n = 0; m_running && !consumerFull && n < kMaxRecordsPerTick; ++n) {
        std::unique_ptr<rd_kafka_message_t, MessageDeleter> message(
            rd_kafka_consumer_poll(m_consumer.get(), 0));
        if (!message)
            break;
        const rd_kafka_resp_err_t err = message->err;
        const qint32 partition = message->partition;
        const bool ours = message->rkt && m_options.topic == rd_kafka_topic_name(message->rkt);
        if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            message.reset();
            if (PartitionState *state = ours ? stateOf(partition) : nullptr) {
                // (No time from it: the event may have waited in librdkafka's queue
                // while more records were appended; only a watermark asked for at a
                // known moment says what was read by when.)
                state->atEnd = true;
                updateCaughtUp();
            }
            continue;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const QString text =
                message->rkt ? QStringLiteral("%1[%2]: %3")
                                   .arg(QString::fromUtf8(rd_kafka_topic_name(message->rkt)))
                                   .arg(partition)
                                   .arg(QString::fromUtf8(rd_kafka_message_errstr(message.get())))
                             : QString::fromUtf8(rd_kafka_message_errstr(message.get()));
            message.reset();
            // librdkafka retries on its own; say it once per tick, not per event.
            if (text != lastError) {
                lastError = text;
                qCWarning(lcKafka, "tail: %s", qPrintable(text));
                emit errorOccurred(text);
            }
            continue;
        }
        PartitionState *state = ours ? stateOf(partition) : nullptr;
        if (!state || message->offset < state->next)
            continue; // not assigned, or left over from before a reassignment
        if (message->offset > state->next && state->next >= 0)
            emit recordsSkipped(partition, state->next, message->offset);
        KafkaRecord record = recordFromMessage(message.get());
        message.reset();
        if (state->atEnd) {
            state->atEnd = false;
            updateCaughtUp();
            if (!m_running)
                return;
        }
        {
            QMutexLocker lock(&m_positionsMutex);
            if (state->firstOffset < 0)
                state->firstOffset = record.offset;
            state->lastOffset = record.offset;
        }
        state->next = record.offset + 1;
        m_batch.append(std::move(record));
    }
    if (m_running) {
        flush();
        updateReadUpTo();
    }
}

void KafkaTail::queryWatermarks()
{
    // Asked now: a partition read to the answer's high watermark has given every
    // record appended before this moment.
    const qint64 askedAtMs = wallMs();
    for (PartitionState &state : m_partitions) {
        int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(m_consumer.get(), m_options.topic.constData(),
                                             state.partition, &low, &high,
                                             kWatermarkTimeoutMs) != RD_KAFKA_RESP_ERR_NO_ERROR)
            continue;
        state.targetOffset = high;
        state.targetAskedAtMs = askedAtMs;
    }
    m_lastWatermarkQuery.restart();
}

void KafkaTail::updateReadUpTo()
{
    if (!m_lastWatermarkQuery.isValid() || m_lastWatermarkQuery.elapsed() >= kWatermarkQueryMs)
        queryWatermarks();
    qint64 everyPartition = std::numeric_limits<qint64>::max();
    for (PartitionState &state : m_partitions) {
        if (state.targetOffset >= 0 && state.next >= state.targetOffset) {
            state.readUpToMs = std::max(state.readUpToMs, state.targetAskedAtMs);
            state.targetOffset = -1;
        }
        everyPartition = std::min(everyPartition, state.readUpToMs);
    }
    if (m_partitions.isEmpty()) {
        // A group member without partitions has nothing to read: read up to now. (Not
        // before its first assignment, nor for a tail without a group, which has none
        // only before it is positioned.)
        if (!m_groupPositioned)
            return;
        everyPartition = wallMs();
    }
    if (everyPartition <= m_readUpToMs)
        return;
    m_readUpToMs = everyPartition;
    emit readUpTo(everyPartition);
}

} // namespace dualscope::kafka
