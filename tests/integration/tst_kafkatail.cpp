// SPDX-License-Identifier: MIT
#include "kafka/kafkatail.h"
#include "sandbox/sandbox.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>
#include <librdkafka/rdkafka.h>

using namespace dualscope;

namespace {

constexpr qint64 kBaseTs = 1'700'000'000'000;
constexpr int kWaitMs = 15'000;

// A plain librdkafka producer: the test's data must not depend on the code under test.
class TestProducer
{
public:
    explicit TestProducer(const QByteArray &bootstrap)
    {
        QString error;
        kafka::ConfPtr conf = kafka::makeConf(
            bootstrap,
            {{"linger.ms", "5"}, {"acks", "1"}, {"queue.buffering.max.messages", "200000"}},
            &error);
        char reason[512];
        m_rk.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), reason, sizeof reason));
        if (m_rk)
            conf.release();
    }

    bool produce(const QByteArray &topic, qint32 partition, const QByteArray &value,
                 qint64 timestampMs = 0)
    {
        for (;;) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                m_rk.get(), RD_KAFKA_V_TOPIC(topic.constData()), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_VALUE(const_cast<char *>(value.constData()),
                                 static_cast<size_t>(value.size())),
                RD_KAFKA_V_TIMESTAMP(timestampMs), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                return true;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return false;
            rd_kafka_poll(m_rk.get(), 10);
        }
    }

    // `count` records numbered from `first` into one partition, then flushed.
    bool produceRange(const QByteArray &topic, qint32 partition, int first, int count,
                      bool withTimestamps = false)
    {
        for (int i = first; i < first + count; ++i) {
            if (!produce(topic, partition, "record-" + QByteArray::number(i),
                         withTimestamps ? kBaseTs + i : 0))
                return false;
        }
        return flush();
    }

    bool flush() { return rd_kafka_flush(m_rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR; }
    bool isValid() const { return m_rk != nullptr; }

private:
    kafka::HandlePtr m_rk;
};

// Collects what a tail emits, in order, on the thread the recorder lives in.
class Recorder final : public QObject
{
public:
    explicit Recorder(kafka::KafkaTail *tail)
    {
        connect(tail, &kafka::KafkaTail::positioned, this,
                [this] { log.append(QStringLiteral("positioned")); });
        connect(tail, &kafka::KafkaTail::records, this,
                [this](const QList<kafka::KafkaRecord> &batch) {
                    ++batches;
                    records += batch;
                    log.append(QStringLiteral("records"));
                });
        connect(tail, &kafka::KafkaTail::caughtUp, this, [this](bool caughtUp) {
            caughtUps.append(caughtUp);
            log.append(caughtUp ? QStringLiteral("caughtUp") : QStringLiteral("behind"));
        });
        connect(tail, &kafka::KafkaTail::errorOccurred, this,
                [this](const QString &message) { errors.append(message); });
    }

    bool isCaughtUp() const { return !caughtUps.isEmpty() && caughtUps.last(); }
    int signalCount() const { return static_cast<int>(log.size()); }

    QList<kafka::KafkaRecord> records;
    int batches = 0;
    QList<bool> caughtUps;
    QStringList log;
    QStringList errors;
};

} // namespace

class TestKafkaTail final : public QObject
{
    Q_OBJECT

private:
    sandbox::Sandbox m_box;
    int m_topicCounter = 0;

    // A fresh topic per test, so tests do not see each other's records.
    QByteArray newTopic(int partitions)
    {
        const QByteArray name = "tail-" + QByteArray::number(++m_topicCounter);
        QString error;
        if (!m_box.kafka().createTopic(name, partitions, 3, &error))
            qWarning("%s", qPrintable(error));
        return name;
    }

    std::unique_ptr<kafka::KafkaTail> makeTail(kafka::TailOptions options)
    {
        return std::make_unique<kafka::KafkaTail>(m_box.kafkaBootstrap(), kafka::Properties{},
                                                  std::move(options));
    }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_box.start(&error), qPrintable(error));
    }

    void fromEndSeesOnlyNewRecords()
    {
        // given a partition with 100 old records
        const QByteArray topic = newTopic(1);
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 100));
        // when a tail starts at the end
        auto tail = makeTail({topic, {}, kafka::TailOptions::From::End, 0, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        QCOMPARE(recorder.log.value(0), QStringLiteral("positioned"));
        QCOMPARE(tail->startOffsets().value(0), 100);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QVERIFY(recorder.records.isEmpty());
        // and 50 new records are produced
        QVERIFY(producer.produceRange(topic, 0, 100, 50));
        // then it sees exactly those
        QTRY_COMPARE_WITH_TIMEOUT(recorder.records.size(), 50, kWaitMs);
        for (int i = 0; i < 50; ++i) {
            QCOMPARE(recorder.records[i].offset, 100 + i);
            QCOMPARE(recorder.records[i].value, "record-" + QByteArray::number(100 + i));
        }
        const QList<kafka::TailPosition> positions = tail->positions();
        QCOMPARE(positions.size(), 1);
        QCOMPARE(positions[0].partition, 0);
        QCOMPARE(positions[0].firstOffset, 100);
        QCOMPARE(positions[0].lastOffset, 149);
        QVERIFY(recorder.errors.isEmpty());
    }

    void fromBeginningSeesRetainedThenNewAndCaughtUpFollows()
    {
        // given 1000 records
        const QByteArray topic = newTopic(1);
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 1000));
        // when a tail starts at the beginning
        auto tail = makeTail({topic, {0}, kafka::TailOptions::From::Beginning, 0, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        // then it reads them all, then says it caught up
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QCOMPARE(recorder.records.size(), 1000);
        QCOMPARE(recorder.records.first().offset, 0);
        QCOMPARE(recorder.records.last().offset, 999);
        QCOMPARE(recorder.caughtUps, QList<bool>{true});
        // and positioned() came before any record, the records before caughtUp
        QCOMPARE(recorder.log.first(), QStringLiteral("positioned"));
        QCOMPARE(recorder.log.last(), QStringLiteral("caughtUp"));
        // when new records arrive, it falls behind and catches up again
        QVERIFY(producer.produceRange(topic, 0, 1000, 10));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.records.size(), 1010, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(recorder.caughtUps.size(), 3, kWaitMs);
        QCOMPARE(recorder.caughtUps, (QList<bool>{true, false, true}));
        const qsizetype behind = recorder.log.lastIndexOf(QStringLiteral("behind"));
        QCOMPARE(recorder.log.value(behind + 1), QStringLiteral("records"));
        QCOMPARE(recorder.log.last(), QStringLiteral("caughtUp"));
        QCOMPARE(recorder.records.last().offset, 1009);
    }

    void fromTimestampStartsAtTheFirstRecordAtOrAfterIt()
    {
        // given 1000 records with timestamps kBaseTs + offset
        const QByteArray topic = newTopic(1);
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 1000, true));
        // when a tail starts at the timestamp of record 600 (the mock cannot
        // answer offsets-for-times: the browser's bisect does)
        auto tail =
            makeTail({topic, {}, kafka::TailOptions::From::Timestamp, kBaseTs + 600, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        QVERIFY2(recorder.errors.isEmpty(), qPrintable(recorder.errors.join(u'\n')));
        QCOMPARE(tail->startOffsets().value(0), 600);
        // then it reads records 600..999
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QCOMPARE(recorder.records.size(), 400);
        QCOMPARE(recorder.records.first().offset, 600);
        QCOMPARE(recorder.records.first().timestampMs, kBaseTs + 600);
    }

    void fromOffsetsStartsThereAndClampsToTheRetainedRange()
    {
        const QByteArray topic = newTopic(2);
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 20));
        QVERIFY(producer.produceRange(topic, 1, 0, 20));
        // when partition 0 starts at 15 and partition 1 beyond its end
        auto tail = makeTail(
            {topic, {}, kafka::TailOptions::From::Offsets, 0, {{0, 15}, {1, 1000}}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        QCOMPARE(tail->startOffsets().value(0), 15);
        QCOMPARE(tail->startOffsets().value(1), 20);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QCOMPARE(recorder.records.size(), 5);
        QCOMPARE(recorder.records.first().offset, 15);
    }

    void aBurstArrivesInBatches()
    {
        const QByteArray topic = newTopic(1);
        auto tail = makeTail({topic, {}, kafka::TailOptions::From::End, 0, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        // when a burst of 10,000 records is produced
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 10'000));
        // then all arrive, in far fewer signals than records
        QTRY_COMPARE_WITH_TIMEOUT(recorder.records.size(), 10'000, kWaitMs);
        qInfo("10000 records arrived in %d records() signals", recorder.batches);
        QVERIFY2(recorder.batches < 500, qPrintable(QString::number(recorder.batches)));
        for (int i = 0; i < 10'000; ++i)
            QCOMPARE(recorder.records[i].offset, i);
    }

    void wholeTopicOverSixPartitions()
    {
        // given 100 records in each of 6 partitions
        const QByteArray topic = newTopic(6);
        TestProducer producer(m_box.kafkaBootstrap());
        for (int p = 0; p < 6; ++p)
            QVERIFY(producer.produceRange(topic, p, 0, 100));
        // when the whole topic is tailed from the beginning
        auto tail = makeTail({topic, {}, kafka::TailOptions::From::Beginning, 0, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        // then every record arrives, and it catches up once all 6 are drained
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QCOMPARE(recorder.records.size(), 600);
        const QList<kafka::TailPosition> positions = tail->positions();
        QCOMPARE(positions.size(), 6);
        for (const kafka::TailPosition &position : positions) {
            QCOMPARE(position.firstOffset, 0);
            QCOMPARE(position.lastOffset, 99);
        }
        QList<int> perPartition(6, 0);
        for (const kafka::KafkaRecord &record : std::as_const(recorder.records))
            ++perPartition[record.partition];
        QCOMPARE(perPartition, QList<int>(6, 100));
        // and a record in one partition makes it fall behind and catch up again
        QVERIFY(producer.produceRange(topic, 4, 100, 1));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.caughtUps, (QList<bool>{true, false, true}), kWaitMs);
        QCOMPARE(recorder.records.last().partition, 4);
    }

    void stopIsClean()
    {
        const QByteArray topic = newTopic(1);
        auto tail = makeTail({topic, {}, kafka::TailOptions::From::End, 0, {}, 10'000});
        Recorder recorder(tail.get());
        tail->start();
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        TestProducer producer(m_box.kafkaBootstrap());
        QVERIFY(producer.produceRange(topic, 0, 0, 10));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.records.size(), 10, kWaitMs);
        // when it is stopped and more records arrive
        tail->stop();
        const int signalsAtStop = recorder.signalCount();
        QVERIFY(producer.produceRange(topic, 0, 10, 10));
        QTest::qWait(500);
        // then nothing more is emitted
        QCOMPARE(recorder.signalCount(), signalsAtStop);
        QCOMPARE(tail->positions().value(0).lastOffset, 9);
        // and stopping twice, then destroying, is harmless
        tail->stop();
        tail.reset();
    }

    void runsInAWorkerThread()
    {
        const QByteArray topic = newTopic(3);
        TestProducer producer(m_box.kafkaBootstrap());
        for (int p = 0; p < 3; ++p)
            QVERIFY(producer.produceRange(topic, p, 0, 50));
        // given a tail living in its own thread, the recorder in this one
        QThread thread;
        thread.setObjectName(QStringLiteral("kafka-tail"));
        auto *tail =
            new kafka::KafkaTail(m_box.kafkaBootstrap(), {},
                                 {topic, {}, kafka::TailOptions::From::Beginning, 0, {}, 10'000});
        tail->moveToThread(&thread);
        connect(&thread, &QThread::finished, tail, &QObject::deleteLater);
        Recorder recorder(tail);
        thread.start();
        // when started there
        QMetaObject::invokeMethod(tail, &kafka::KafkaTail::start, Qt::QueuedConnection);
        // then the records arrive here, queued
        QTRY_VERIFY_WITH_TIMEOUT(recorder.isCaughtUp(), kWaitMs);
        QCOMPARE(recorder.records.size(), 150);
        QCOMPARE(recorder.log.first(), QStringLiteral("positioned"));
        // and it stops on its thread
        QMetaObject::invokeMethod(tail, &kafka::KafkaTail::stop, Qt::BlockingQueuedConnection);
        QCOMPARE(tail->positions().size(), 3);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }

    void unknownTopicIsAnError()
    {
        auto tail = makeTail({"no-such-topic", {}, kafka::TailOptions::From::End, 0, {}, 3000});
        Recorder recorder(tail.get());
        tail->start();
        QCOMPARE(recorder.errors.size(), 1);
        QVERIFY2(recorder.errors[0].contains(QLatin1String("no-such-topic")),
                 qPrintable(recorder.errors[0]));
        QVERIFY(!recorder.log.contains(QStringLiteral("positioned")));
        // and an unknown partition
        const QByteArray topic = newTopic(2);
        auto partitionTail = makeTail({topic, {7}, kafka::TailOptions::From::End, 0, {}, 3000});
        Recorder partitionRecorder(partitionTail.get());
        partitionTail->start();
        QCOMPARE(partitionRecorder.errors.size(), 1);
        QVERIFY2(partitionRecorder.errors[0].contains(QLatin1String("[7] does not exist")),
                 qPrintable(partitionRecorder.errors[0]));
    }
};

QTEST_GUILESS_MAIN(TestKafkaTail)
#include "tst_kafkatail.moc"
