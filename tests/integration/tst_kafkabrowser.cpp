// SPDX-License-Identifier: MIT
#include "kafka/kafkabrowser.h"
#include "sandbox/sandbox.h"

#include <QElapsedTimer>
#include <QTest>
#include <librdkafka/rdkafka.h>

using namespace dualscope;

namespace {

constexpr qint64 kRecords = 1'000'000;
// Record i of partition 0 carries the timestamp kBaseTs + i: a lookup by time has
// one exact answer.
constexpr qint64 kBaseTs = 1'700'000'000'000;
constexpr int kPageCount = 500;

// Record i's value: ~80 bytes, its index readable at the start.
QByteArray valueFor(qint64 i)
{
    QByteArray value = QByteArray::number(i).rightJustified(8, '0');
    value += " {\"id\":\"evt\",\"type\":\"t\",\"source_id\":\"s\"}";
    return value.leftJustified(80, '.');
}

// A plain librdkafka producer: the test's data must not depend on the code under test.
class TestProducer
{
public:
    bool open(const QByteArray &bootstrap)
    {
        QString error;
        kafka::ConfPtr conf = kafka::makeConf(bootstrap,
                                              {{"linger.ms", "20"},
                                               {"batch.num.messages", "10000"},
                                               {"queue.buffering.max.messages", "1000000"},
                                               {"queue.buffering.max.kbytes", "1048576"},
                                               {"acks", "1"}},
                                              &error);
        if (!conf)
            return false;
        char reason[512];
        m_rk.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason));
        if (!m_rk)
            return false;
        conf.release();
        return true;
    }

    struct Header
    {
        QByteArray name;
        QByteArray value; // null = a header without value
    };

    bool produce(const QByteArray &topic, qint32 partition, const QByteArray &key,
                 const QByteArray &value, qint64 timestampMs = 0, const QList<Header> &headers = {})
    {
        for (;;) {
            rd_kafka_headers_t *hdrs = nullptr;
            if (!headers.isEmpty()) {
                hdrs = rd_kafka_headers_new(headers.size());
                for (const Header &h : headers)
                    rd_kafka_header_add(hdrs, h.name.constData(), h.name.size(),
                                        h.value.isNull() ? nullptr : h.value.constData(),
                                        h.value.size());
            }
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                m_rk.get(), RD_KAFKA_V_TOPIC(topic.constData()), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(key.isNull() ? nullptr : key.constData(),
                               static_cast<size_t>(key.size())),
                RD_KAFKA_V_VALUE(value.isNull() ? nullptr : const_cast<char *>(value.constData()),
                                 static_cast<size_t>(value.size())),
                RD_KAFKA_V_TIMESTAMP(timestampMs), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                return true;
            if (hdrs)
                rd_kafka_headers_destroy(hdrs);
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return false;
            rd_kafka_poll(m_rk.get(), 10);
        }
    }

    bool flush(int timeoutMs = 60'000)
    {
        return rd_kafka_flush(m_rk.get(), timeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR;
    }

private:
    kafka::HandlePtr m_rk;
};

// Commits offsets for a group the way a simple (assign-only) consumer does.
bool commitOffsets(const QByteArray &bootstrap, const QByteArray &group, const QByteArray &topic,
                   const QList<std::pair<qint32, qint64>> &offsets)
{
    QString error;
    kafka::ConfPtr conf =
        kafka::makeConf(bootstrap, {{"group.id", group}, {"enable.auto.commit", "false"}}, &error);
    char reason[512];
    kafka::HandlePtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason, sizeof reason));
    if (!rk)
        return false;
    conf.release();
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(offsets.size());
    for (const auto &[partition, offset] : offsets)
        rd_kafka_topic_partition_list_add(list, topic.constData(), partition)->offset = offset;
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk.get(), list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
        qWarning("commit failed: %s", rd_kafka_err2str(err));
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

} // namespace

class TestKafkaBrowser final : public QObject
{
    Q_OBJECT

private:
    sandbox::Sandbox m_box;
    std::unique_ptr<kafka::KafkaBrowser> m_browser;
    qint64 m_low = -1;
    qint64 m_high = -1;

    std::optional<kafka::Page> page(kafka::PageRequest request, QString *error)
    {
        request.topic = "events";
        return m_browser->page(request, error);
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_box.start(&error), qPrintable(error));
        // given 1,000,000 records of ~80 bytes in partition 0, with known timestamps
        TestProducer producer;
        QVERIFY(producer.open(m_box.kafkaBootstrap()));
        QElapsedTimer timer;
        timer.start();
        for (qint64 i = 0; i < kRecords; ++i)
            QVERIFY(producer.produce("events", 0, "k", valueFor(i), kBaseTs + i));
        QVERIFY(producer.flush());
        qInfo("produced %lld records in %lld ms", kRecords, timer.elapsed());
        m_browser =
            std::make_unique<kafka::KafkaBrowser>(m_box.kafkaBootstrap(), kafka::Properties{});
        QVERIFY2(m_browser->open(&error), qPrintable(error));
        QVERIFY2(m_browser->watermarks("events", 0, &m_low, &m_high, 10'000, &error),
                 qPrintable(error));
        qInfo("partition 0: low %lld, high %lld (the mock keeps about 5 MB)", m_low, m_high);
        QCOMPARE(m_high, kRecords);
        QVERIFY(m_low > 0); // retention moved the start
    }

    void topicsShowPartitionsLeadersReplicasAndWatermarks()
    {
        QString error;
        // when the topics are listed
        const auto topics = m_browser->topics(10'000, &error);
        QVERIFY2(topics, qPrintable(error));
        // then "events" is there with its 6 partitions, each replicated 3 times
        const auto events =
            std::find_if(topics->begin(), topics->end(),
                         [](const kafka::TopicInfo &t) { return t.name == "events"; });
        QVERIFY(events != topics->end());
        QCOMPARE(events->partitions.size(), 6);
        for (const kafka::PartitionInfo &p : events->partitions) {
            QVERIFY2(p.error.isEmpty(), qPrintable(p.error));
            QVERIFY(p.leader >= 1 && p.leader <= 3);
            QCOMPARE(p.replicas.size(), 3);
            QCOMPARE(p.isrs.size(), 3);
            QVERIFY(p.replicas.contains(p.leader));
            QCOMPARE(p.messageCount(), p.high - p.low);
        }
        QCOMPARE(events->partitions[0].id, 0);
        QCOMPARE(events->partitions[0].high, kRecords);
        QCOMPARE(events->partitions[0].low, m_low);
        QCOMPARE(events->partitions[0].messageCount(), kRecords - m_low);
        // and the three brokers
        const auto brokers = m_browser->brokers(5000, &error);
        QVERIFY2(brokers, qPrintable(error));
        QCOMPARE(brokers->size(), 3);
        QCOMPARE(brokers->at(0).id, 1);
        QVERIFY(brokers->at(0).port > 0);
        // and one topic on its own gives the same
        const auto one = m_browser->topic("events", 5000, &error);
        QVERIFY2(one, qPrintable(error));
        QCOMPARE(one->partitions.size(), 6);
        QCOMPARE(one->partitions[0].high, kRecords);
        // and an unknown topic is a clear error
        QVERIFY(!m_browser->topic("no-such-topic", 5000, &error));
        QVERIFY2(error.startsWith(QLatin1String("topic 'no-such-topic' does not exist")),
                 qPrintable(error));
        // and so is a page of it, which must not create it (the mock creates a
        // topic it is asked about by name)
        kafka::PageRequest request;
        request.topic = "no-such-topic";
        QVERIFY(!m_browser->page(request, &error));
        QVERIFY2(error.startsWith(QLatin1String("topic 'no-such-topic' does not exist")),
                 qPrintable(error));
        const auto after = m_browser->topics(10'000, &error);
        QVERIFY2(after, qPrintable(error));
        QCOMPARE(after->size(), topics->size());
        // and an unknown partition
        request.topic = "events";
        request.partition = 6;
        QVERIFY(!m_browser->page(request, &error));
        QVERIFY2(error.contains(QLatin1String("events[6]")), qPrintable(error));
    }

    void pageAtRetainedOffsetHasConsecutiveRecords()
    {
        QString error;
        // when a page of 500 is asked at a retained offset
        const qint64 at = m_low + 12'345;
        kafka::PageRequest request;
        request.offset = at;
        request.count = kPageCount;
        const auto result = page(request, &error);
        // then it has exactly 500 consecutive records starting there
        QVERIFY2(result, qPrintable(error));
        QCOMPARE(result->records.size(), kPageCount);
        QCOMPARE(result->startOffset, at);
        QCOMPARE(result->requestedOffset, at);
        QCOMPARE(result->low, m_low);
        QCOMPARE(result->high, kRecords);
        QVERIFY2(result->notice.isEmpty(), qPrintable(result->notice));
        for (int i = 0; i < kPageCount; ++i) {
            const kafka::KafkaRecord &r = result->records[i];
            QCOMPARE(r.offset, at + i);
            QCOMPARE(r.partition, 0);
            QCOMPARE(r.topic, QByteArray("events"));
            QCOMPARE(r.value, valueFor(at + i));
            QCOMPARE(r.key, QByteArray("k"));
            QVERIFY(!r.keyIsNull);
            QCOMPARE(r.timestampMs, kBaseTs + at + i);
            QCOMPARE(r.timestampType, kafka::KafkaRecord::TimestampType::CreateTime);
        }
    }

    void pageTimesAtRetainedOffsets()
    {
        // The target: a 500-record page at any retained offset under 200 ms.
        QString error;
        const qint64 span = kRecords - m_low;
        for (const qint64 at : {m_low, m_low + span / 4, m_low + span / 2, m_low + 3 * span / 4,
                                kRecords - kPageCount}) {
            kafka::PageRequest request;
            request.offset = at;
            request.count = kPageCount;
            QElapsedTimer timer;
            timer.start();
            const auto result = page(request, &error);
            const qint64 ms = timer.elapsed();
            QVERIFY2(result, qPrintable(error));
            QCOMPARE(result->records.size(), kPageCount);
            QCOMPARE(result->records.first().offset, at);
            qInfo("page of %d at offset %lld: %lld ms", kPageCount, at, ms);
        }
    }

    void pageAtTimestampStartsAtTheFirstRecordAtOrAfterIt()
    {
        QString error;
        // when a page is asked at the timestamp of a retained record (the mock
        // cannot answer offsets-for-times: the bisect fallback answers)
        const qint64 target = m_low + 23'456;
        kafka::PageRequest request;
        request.anchor = kafka::PageRequest::Anchor::Timestamp;
        request.timestampMs = kBaseTs + target;
        request.count = 10;
        QElapsedTimer timer;
        timer.start();
        const auto result = page(request, &error);
        qInfo("page at a timestamp: %lld ms", timer.elapsed());
        // then it starts exactly at that record
        QVERIFY2(result, qPrintable(error));
        QCOMPARE(result->startOffset, target);
        QCOMPARE(result->requestedOffset, target);
        QCOMPARE(result->records.size(), 10);
        QCOMPARE(result->records.first().offset, target);
        QCOMPARE(result->records.first().timestampMs, kBaseTs + target);
        QVERIFY2(result->notice.isEmpty(), qPrintable(result->notice));
        // and the lookup alone gives the same offset
        QString notice;
        const auto offset =
            m_browser->offsetForTimestamp("events", 0, kBaseTs + target, 10'000, &error, &notice);
        QVERIFY2(offset, qPrintable(error));
        QCOMPARE(*offset, target);
        // and the last record's own timestamp finds it
        QCOMPARE(
            *m_browser->offsetForTimestamp("events", 0, kBaseTs + kRecords - 1, 10'000, &error),
            kRecords - 1);
    }

    void timestampBeforeTheFirstRetainedRecordClampsAndSaysSo()
    {
        QString error;
        // when the timestamp is older than what retention kept
        kafka::PageRequest request;
        request.anchor = kafka::PageRequest::Anchor::Timestamp;
        request.timestampMs = kBaseTs; // record 0's, long deleted
        request.count = 5;
        const auto result = page(request, &error);
        // then the page starts at the first retained record and the notice says why
        QVERIFY2(result, qPrintable(error));
        QCOMPARE(result->startOffset, m_low);
        QCOMPARE(result->records.size(), 5);
        QCOMPARE(result->records.first().offset, m_low);
        QVERIFY2(result->notice.contains(QLatin1String("before the first retained record")),
                 qPrintable(result->notice));
        QVERIFY2(result->notice.contains(QString::number(m_low)), qPrintable(result->notice));
    }

    void timestampAfterTheLastRecordGivesAnEmptyPageAtTheEnd()
    {
        QString error;
        kafka::PageRequest request;
        request.anchor = kafka::PageRequest::Anchor::Timestamp;
        request.timestampMs = kBaseTs + 2 * kRecords;
        const auto result = page(request, &error);
        QVERIFY2(result, qPrintable(error));
        QVERIFY(result->records.isEmpty());
        QCOMPARE(result->startOffset, kRecords);
        QVERIFY2(result->notice.contains(QLatin1String("after the last record")),
                 qPrintable(result->notice));
    }

    void endPageIsTheLastRecordsAndNewestFirstReverses()
    {
        QString error;
        // when the last page is asked
        kafka::PageRequest request;
        request.anchor = kafka::PageRequest::Anchor::End;
        request.count = kPageCount;
        QElapsedTimer timer;
        timer.start();
        const auto oldestFirst = page(request, &error);
        qInfo("last page of %d: %lld ms", kPageCount, timer.elapsed());
        // then it holds the last 500 records, oldest first
        QVERIFY2(oldestFirst, qPrintable(error));
        QCOMPARE(oldestFirst->records.size(), kPageCount);
        QCOMPARE(oldestFirst->startOffset, kRecords - kPageCount);
        QCOMPARE(oldestFirst->records.first().offset, kRecords - kPageCount);
        QCOMPARE(oldestFirst->records.last().offset, kRecords - 1);
        // and newest first gives the same records reversed
        request.newestFirst = true;
        const auto newestFirst = page(request, &error);
        QVERIFY2(newestFirst, qPrintable(error));
        QCOMPARE(newestFirst->records.size(), kPageCount);
        QCOMPARE(newestFirst->records.first().offset, kRecords - 1);
        QCOMPARE(newestFirst->records.last().offset, kRecords - kPageCount);
        for (int i = 1; i < kPageCount; ++i)
            QCOMPARE(newestFirst->records[i].offset, newestFirst->records[i - 1].offset - 1);
    }

    void offsetBelowTheLowWatermarkClampsAndSaysSo()
    {
        QString error;
        kafka::PageRequest request;
        request.offset = 12;
        request.count = 3;
        const auto result = page(request, &error);
        QVERIFY2(result, qPrintable(error));
        QCOMPARE(result->requestedOffset, 12);
        QCOMPARE(result->startOffset, m_low);
        QCOMPARE(result->records.first().offset, m_low);
        QCOMPARE(result->notice, QStringLiteral("offset 12 is below the low watermark %1 "
                                                "(retention): started at %1")
                                     .arg(m_low));
    }

    void offsetPastTheEndIsAClearError()
    {
        QString error;
        kafka::PageRequest request;
        request.offset = 2'000'000;
        QVERIFY(!page(request, &error));
        QCOMPARE(error, QStringLiteral("offset 2000000 is past the end of events[0] "
                                       "(high watermark 1000000)"));
        // while the high watermark itself is an empty page, not an error
        request.offset = kRecords;
        const auto atEnd = page(request, &error);
        QVERIFY2(atEnd, qPrintable(error));
        QVERIFY(atEnd->records.isEmpty());
        QVERIFY(!atEnd->notice.isEmpty());
    }

    void headersAndNullKeysRoundTrip()
    {
        QString error;
        // given records with headers, a null key, an empty key and a null value in partition 1
        TestProducer producer;
        QVERIFY(producer.open(m_box.kafkaBootstrap()));
        QVERIFY(producer.produce("events", 1, QByteArray(), "no key", 0,
                                 {{"trace", "abc"}, {"empty", ""}, {"nullvalue", QByteArray()}}));
        QVERIFY(producer.produce("events", 1, QByteArray(""), "empty key"));
        QVERIFY(producer.produce("events", 1, "tomb", QByteArray()));
        QVERIFY(producer.flush());
        qint64 low = -1;
        qint64 high = -1;
        QVERIFY(m_browser->watermarks("events", 1, &low, &high, 5000, &error));
        // when the page is read
        kafka::PageRequest request;
        request.partition = 1;
        request.anchor = kafka::PageRequest::Anchor::End;
        request.count = 3;
        const auto result = page(request, &error);
        QVERIFY2(result, qPrintable(error));
        QCOMPARE(result->records.size(), 3);
        // then null-ness and headers are as produced
        const kafka::KafkaRecord &noKey = result->records[0];
        QVERIFY(noKey.keyIsNull);
        QVERIFY(!noKey.valueIsNull);
        QCOMPARE(noKey.value, QByteArray("no key"));
        QCOMPARE(noKey.headers.size(), 3);
        QCOMPARE(noKey.headers[0].first, QByteArray("trace"));
        QCOMPARE(noKey.headers[0].second, QByteArray("abc"));
        QCOMPARE(noKey.headers[1].first, QByteArray("empty"));
        QVERIFY(!noKey.headers[1].second.isNull());
        QVERIFY(noKey.headers[1].second.isEmpty());
        QCOMPARE(noKey.headers[2].first, QByteArray("nullvalue"));
        QVERIFY(noKey.headers[2].second.isNull());
        QVERIFY(noKey.timestampMs > 0); // librdkafka stamped it
        const kafka::KafkaRecord &emptyKey = result->records[1];
        QVERIFY(!emptyKey.keyIsNull);
        QVERIFY(emptyKey.key.isEmpty());
        QVERIFY(emptyKey.headers.isEmpty());
        const kafka::KafkaRecord &tombstone = result->records[2];
        QCOMPARE(tombstone.key, QByteArray("tomb"));
        QVERIFY(tombstone.valueIsNull);
    }

    void groupLagIsHighMinusCommitted()
    {
        QString error;
        // given a group that committed offsets on partitions 0 and 1
        const qint64 committed = kRecords - 1000;
        QVERIFY(
            commitOffsets(m_box.kafkaBootstrap(), "lag-group", "events", {{0, committed}, {1, 1}}));
        // when its lag is asked
        QElapsedTimer timer;
        timer.start();
        const auto lags = m_browser->groupLag("lag-group", "events", 10'000, &error);
        qInfo("group lag: %lld ms", timer.elapsed());
        // then partition 0 lags by high - committed
        QVERIFY2(lags, qPrintable(error));
        QCOMPARE(lags->size(), 6);
        QCOMPARE(lags->at(0).partition, 0);
        QCOMPARE(lags->at(0).committed, committed);
        QCOMPARE(lags->at(0).high, kRecords);
        QCOMPARE(lags->at(0).lag, 1000);
        QVERIFY2(lags->at(0).note.isEmpty(), qPrintable(lags->at(0).note));
        QCOMPARE(lags->at(1).committed, 1);
        QCOMPARE(lags->at(1).lag, lags->at(1).high - 1);
        // and a partition without a commit counts every retained record, and says so
        QCOMPARE(lags->at(2).committed, -1);
        QCOMPARE(lags->at(2).lag, lags->at(2).high - lags->at(2).low);
        QVERIFY(lags->at(2).note.contains(QLatin1String("no committed offset")));
    }

    void groupsAreListedOrClearlyUnsupported()
    {
        QString error;
        QElapsedTimer timer;
        timer.start();
        const auto groups = m_browser->groups(3000, &error);
        qInfo("ListGroups: %s after %lld ms",
              groups ? qPrintable(QStringLiteral("%1 groups").arg(groups->size()))
                     : qPrintable(error),
              timer.elapsed());
        QVERIFY(timer.elapsed() < 3000 + 1500);
        // librdkafka 2.0.2's mock has no ListGroups; a real cluster lists lag-group
        if (!groups)
            QVERIFY2(error.startsWith(QLatin1String("ListGroups: not supported by this cluster")),
                     qPrintable(error));
    }

    void deadBootstrapIsAClearErrorInTime()
    {
        // given a browser pointed at a port nothing listens on
        kafka::KafkaBrowser dead("127.0.0.1:1", {});
        QString error;
        QVERIFY2(dead.open(&error), qPrintable(error));
        QElapsedTimer timer;
        timer.start();
        // when topics are asked, then a clear error comes within the timeout
        QVERIFY(!dead.topics(2000, &error));
        QVERIFY(timer.elapsed() < 2000 + 1000);
        QVERIFY2(error.contains(QLatin1String("cannot read the cluster's metadata from "
                                              "127.0.0.1:1")),
                 qPrintable(error));
        // and so does a page
        timer.restart();
        kafka::PageRequest request;
        request.topic = "events";
        request.timeoutMs = 2000;
        QVERIFY(!dead.page(request, &error));
        QVERIFY(timer.elapsed() < 2000 + 1000);
        QVERIFY2(error.contains(QLatin1String("cannot read the cluster's metadata from "
                                              "127.0.0.1:1")),
                 qPrintable(error));
    }

    void badRequestsAreRefused()
    {
        QString error;
        kafka::PageRequest request;
        request.count = 0;
        QVERIFY(!page(request, &error));
        QVERIFY2(error.contains(QLatin1String("1 to")), qPrintable(error));
        kafka::KafkaBrowser closed("127.0.0.1:1", {});
        QVERIFY(!closed.topics(100, &error));
        QVERIFY2(error.contains(QLatin1String("not open")), qPrintable(error));
        kafka::KafkaBrowser refused("127.0.0.1:1", {{"no.such.property", "1"}});
        QVERIFY(!refused.open(&error));
        QVERIFY2(error.contains(QLatin1String("no.such.property")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestKafkaBrowser)
#include "tst_kafkabrowser.moc"
