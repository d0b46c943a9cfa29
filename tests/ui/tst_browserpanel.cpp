// SPDX-License-Identifier: MIT
#include "browser/browserpanel.h"
#include "browser/recordpagemodel.h"
#include "kafka/browserworker.h"
#include "kafka/kafkaconfig.h"
#include "sandbox/sandbox.h"
#include "widgets/elidedlabel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QThread>
#include <QTreeWidget>
#include <librdkafka/rdkafka.h>

using namespace dualscope;

namespace {

constexpr qint64 kBaseTs = 1'700'000'000'000;
constexpr int kJsonRecords = 50;        // partition 0
constexpr int kRetentionRecords = 7000; // partition 2: ~7 MB, beyond what the mock keeps

// Record n of partition 0: JSON, key "k-n" (null for every tenth), a "trace" header.
QByteArray jsonValue(int n)
{
    return QStringLiteral("{\"id\":\"evt-%1\",\"seq\":%1,\"tags\":[\"a\",\"b\"]}").arg(n).toUtf8();
}

QByteArray keyOf(int n)
{
    return n % 10 == 0 ? QByteArray() : QByteArray("k-") + QByteArray::number(n);
}

// A plain librdkafka producer: the test's data must not depend on the code under test.
class TestProducer
{
public:
    bool open(const QByteArray &bootstrap)
    {
        QString error;
        kafka::ConfPtr conf = kafka::makeConf(
            bootstrap, {{"linger.ms", "5"}, {"acks", "1"}, {"enable.idempotence", "false"}},
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

    bool produce(qint32 partition, const QByteArray &key, const QByteArray &value,
                 qint64 timestampMs = 0,
                 const QList<std::pair<QByteArray, QByteArray>> &headers = {})
    {
        for (;;) {
            rd_kafka_headers_t *hdrs = nullptr;
            if (!headers.isEmpty()) {
                hdrs = rd_kafka_headers_new(headers.size());
                for (const auto &[name, v] : headers)
                    rd_kafka_header_add(hdrs, name.constData(), name.size(),
                                        v.isNull() ? nullptr : v.constData(), v.size());
            }
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                m_rk.get(), RD_KAFKA_V_TOPIC("events"), RD_KAFKA_V_PARTITION(partition),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(key.isNull() ? nullptr : key.constData(),
                               static_cast<size_t>(key.size())),
                RD_KAFKA_V_VALUE(const_cast<char *>(value.constData()),
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

    bool flush() { return rd_kafka_flush(m_rk.get(), 30'000) == RD_KAFKA_RESP_ERR_NO_ERROR; }

private:
    kafka::HandlePtr m_rk;
};

// Commits offsets for a group the way a simple (assign-only) consumer does.
bool commitOffsets(const QByteArray &bootstrap, const QByteArray &group, qint32 partition,
                   qint64 offset)
{
    QString error;
    kafka::ConfPtr conf =
        kafka::makeConf(bootstrap, {{"group.id", group}, {"enable.auto.commit", "false"}}, &error);
    char reason[512];
    kafka::HandlePtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), reason, sizeof reason));
    if (!rk)
        return false;
    conf.release();
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, "events", partition)->offset = offset;
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk.get(), list, 0);
    rd_kafka_topic_partition_list_destroy(list);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

template <typename T> T *child(const QWidget &panel, const char *name)
{
    T *widget = panel.findChild<T *>(QLatin1String(name));
    if (!widget)
        qFatal("no child %s", name);
    return widget;
}

} // namespace

class TestBrowserPanel final : public QObject
{
    Q_OBJECT

private:
    sandbox::Sandbox m_box{sandbox::SandboxOptions{3, 3, 3, "events", {}}};
    std::unique_ptr<TestProducer> m_producer = std::make_unique<TestProducer>();
    QThread m_thread;
    std::unique_ptr<ui::BrowserPanel> m_panel;

    QLabel *message() const { return child<QLabel>(*m_panel, "message"); }
    QTableView *records() const { return child<QTableView>(*m_panel, "records"); }
    QTableWidget *partitions() const { return child<QTableWidget>(*m_panel, "partitions"); }
    int rowOf(qint32 partition) const
    {
        for (int row = 0; row < partitions()->rowCount(); ++row)
            if (partitions()->item(row, 0)->text().toInt() == partition)
                return row;
        return -1;
    }

    // Offsets of the rows as the table shows them (after the search filter).
    QList<qint64> shownOffsets() const
    {
        QList<qint64> offsets;
        const QAbstractItemModel *model = records()->model();
        for (int row = 0; row < model->rowCount(); ++row)
            offsets.append(model->index(row, 0).data().toLongLong());
        return offsets;
    }

    static QList<qint64> range(qint64 from, qint64 to, bool descending = false)
    {
        QList<qint64> offsets;
        for (qint64 o = from; o <= to; ++o)
            offsets.append(o);
        if (descending)
            std::reverse(offsets.begin(), offsets.end());
        return offsets;
    }

    void choosePartition(qint32 partition)
    {
        for (int row = 0; row < partitions()->rowCount(); ++row) {
            if (partitions()->item(row, 0)->text().toInt() == partition) {
                partitions()->selectRow(row);
                return;
            }
        }
        QFAIL("partition not listed");
    }

    // Sets the toolbar, clicks Load and waits for the page (the model is reset).
    bool load(int anchorIndex, qint64 offset, int count, bool newestFirst)
    {
        child<QComboBox>(*m_panel, "anchor")->setCurrentIndex(anchorIndex);
        child<QLineEdit>(*m_panel, "offset")->setText(QString::number(offset));
        child<QSpinBox>(*m_panel, "count")->setValue(count);
        child<QCheckBox>(*m_panel, "newestFirst")->setChecked(newestFirst);
        QSignalSpy reset(m_panel->model(), &QAbstractItemModel::modelReset);
        QTest::mouseClick(child<QPushButton>(*m_panel, "load"), Qt::LeftButton);
        return reset.wait(20'000);
    }

    void selectRow(int row) { records()->setCurrentIndex(records()->model()->index(row, 0)); }

private slots:
    void initTestCase()
    {
        QString error;
        QVERIFY2(m_box.start(&error), qPrintable(error));
        QVERIFY(m_producer->open(m_box.kafkaBootstrap()));
        // given JSON records with keys (some null) and headers in partition 0,
        for (int n = 0; n < kJsonRecords; ++n) {
            QList<std::pair<QByteArray, QByteArray>> headers{
                {"trace", QByteArray("t-") + QByteArray::number(n)}};
            if (n == 11)
                headers.append({"empty", QByteArray()});
            QVERIFY(m_producer->produce(0, keyOf(n), jsonValue(n), kBaseTs + n * 1000, headers));
        }
        // a binary value and a text value in partition 1,
        QByteArray binary;
        for (int b = 0; b < 40; ++b)
            binary.append(static_cast<char>(b));
        QVERIFY(m_producer->produce(1, "bin", binary));
        QVERIFY(m_producer->produce(1, "txt", "plain text, not JSON"));
        // and more than the mock keeps in partition 2, so its low watermark moved
        const QByteArray big(1000, 'x');
        for (int n = 0; n < kRetentionRecords; ++n)
            QVERIFY(m_producer->produce(2, {}, big));
        QVERIFY(m_producer->flush());

        // and the worker on its own thread, the panel on this one
        m_thread.setObjectName(QStringLiteral("browser"));
        auto *worker = new kafka::BrowserWorker(m_box.kafkaBootstrap(), {});
        worker->moveToThread(&m_thread);
        connect(&m_thread, &QThread::finished, worker, &QObject::deleteLater);
        m_thread.start();
        m_panel = std::make_unique<ui::BrowserPanel>();
        m_panel->resize(1200, 800);
        m_panel->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
        m_panel->setWorker(worker);
    }

    void cleanupTestCase()
    {
        m_panel.reset();
        m_thread.quit();
        QVERIFY(m_thread.wait(20'000));
        m_producer.reset(); // before the cluster goes, or it logs the brokers' loss
        m_box.stop();
    }

    void topicsAndPartitionsWithWatermarksAppear()
    {
        auto *topics = child<QListWidget>(*m_panel, "topics");
        // then the topic appears and is chosen
        QTRY_VERIFY_WITH_TIMEOUT(
            !topics->findItems(QStringLiteral("events"), Qt::MatchExactly).isEmpty(), 20'000);
        QCOMPARE(topics->currentItem()->text(), QStringLiteral("events"));
        // with its partitions: leader, replicas, ISR and the watermarks
        QCOMPARE(partitions()->rowCount(), 3);
        const auto cell = [this](int row, int column) {
            return partitions()->item(row, column)->text();
        };
        for (int row = 0; row < 3; ++row) {
            QCOMPARE(cell(row, 0).toInt(), row);
            const int leader = cell(row, 1).toInt();
            QVERIFY(leader >= 1 && leader <= 3);
            QCOMPARE(cell(row, 2).split(QLatin1Char(',')).size(), 3);
            QCOMPARE(cell(row, 3).split(QLatin1Char(',')).size(), 3);
        }
        QCOMPARE(cell(0, 4), QStringLiteral("0"));
        QCOMPARE(cell(0, 5), QString::number(kJsonRecords));
        QCOMPARE(cell(0, 6), QString::number(kJsonRecords));
        QCOMPARE(cell(1, 5), QStringLiteral("2"));
        QVERIFY2(cell(2, 4).toLongLong() > 0, qPrintable(cell(2, 4))); // retention moved it
        QCOMPARE(cell(2, 5), QString::number(kRetentionRecords));
    }

    void partitionsShowTheLagOfAGroup()
    {
        // given a group that committed offset 20 of partition 0
        QVERIFY(commitOffsets(m_box.kafkaBootstrap(), "ui-group", 0, 20));
        // when its name is entered (the mock cannot list groups, so it is typed)
        auto *groups = child<QComboBox>(*m_panel, "groups");
        groups->setEditText(QStringLiteral("ui-group"));
        emit groups->lineEdit()->editingFinished();
        // then the lag column shows high - committed, and all retained records
        // where the group committed nothing
        QTRY_COMPARE_WITH_TIMEOUT(partitions()->item(0, 7)->text(),
                                  QString::number(kJsonRecords - 20), 20'000);
        QCOMPARE(partitions()->item(1, 7)->text(), QStringLiteral("2"));
        QVERIFY(!partitions()->item(1, 7)->toolTip().isEmpty());
        // and clearing the group clears the column
        groups->setEditText(QString());
        emit groups->lineEdit()->editingFinished();
        QCOMPARE(partitions()->item(0, 7)->text(), QString());
    }

    void pageAtAnOffsetHasExactlyThoseRows()
    {
        choosePartition(0);
        // when 5 records from offset 10 are loaded
        QVERIFY(load(0, 10, 5, false));
        // then exactly offsets 10..14 show, in order, with key and value preview
        QCOMPARE(shownOffsets(), range(10, 14));
        const QAbstractItemModel *model = records()->model();
        QCOMPARE(model->index(0, ui::RecordPageModel::KeyColumn).data().toString(),
                 QStringLiteral("(null)"));
        QCOMPARE(model->index(1, ui::RecordPageModel::KeyColumn).data().toString(),
                 QStringLiteral("k-11"));
        QCOMPARE(model->index(1, ui::RecordPageModel::ValueColumn).data().toString(),
                 QString::fromUtf8(jsonValue(11)));
        QCOMPARE(model->index(1, ui::RecordPageModel::SizeColumn).data().toLongLong(),
                 jsonValue(11).size());
        QVERIFY(message()->text().contains(QLatin1String("from offset 10")));
    }

    void pageAtTheEndAndNewestFirst()
    {
        choosePartition(0);
        QVERIFY(load(2, 0, 5, false));
        QCOMPARE(shownOffsets(), range(45, 49));
        QVERIFY(load(2, 0, 5, true));
        QCOMPARE(shownOffsets(), range(45, 49, true));
    }

    void pageAtATimestamp()
    {
        choosePartition(0);
        // when the page starts at a time between records 20 and 21
        child<QDateTimeEdit>(*m_panel, "timestamp")
            ->setDateTime(QDateTime::fromMSecsSinceEpoch(kBaseTs + 20'500, Qt::UTC));
        QVERIFY(load(1, 0, 3, false));
        // then it starts at the first record at or after it
        QCOMPARE(shownOffsets(), range(21, 23));
    }

    void selectingARowShowsPrettyJsonAndHeaders()
    {
        choosePartition(0);
        QVERIFY(load(0, 10, 5, false));
        // when offset 11 is selected
        selectRow(1);
        // then its key, timestamp, headers and pretty JSON value show
        QCOMPARE(child<QLineEdit>(*m_panel, "recordKey")->text(), QStringLiteral("k-11"));
        const QString timestamp = child<ui::ElidedLabel>(*m_panel, "recordTimestamp")->fullText();
        QVERIFY2(timestamp.contains(QDateTime::fromMSecsSinceEpoch(kBaseTs + 11'000, Qt::UTC)
                                        .toString(Qt::ISODateWithMs)),
                 qPrintable(timestamp));
        QVERIFY2(timestamp.contains(QLatin1String("CreateTime")), qPrintable(timestamp));
        auto *headers = child<QTreeWidget>(*m_panel, "recordHeaders");
        QCOMPARE(headers->topLevelItemCount(), 2);
        QCOMPARE(headers->topLevelItem(0)->text(0), QStringLiteral("trace"));
        QCOMPARE(headers->topLevelItem(0)->text(1), QStringLiteral("t-11"));
        QCOMPARE(headers->topLevelItem(1)->text(0), QStringLiteral("empty"));
        QCOMPARE(headers->topLevelItem(1)->text(1), QStringLiteral("(null)"));
        QVERIFY(headers->isVisibleTo(m_panel.get()));
        QVERIFY2(!timestamp.contains(QLatin1String("no headers")), qPrintable(timestamp));
        const QString value = child<QPlainTextEdit>(*m_panel, "recordValue")->toPlainText();
        QCOMPARE(value,
                 QString::fromUtf8(
                     QJsonDocument::fromJson(jsonValue(11)).toJson(QJsonDocument::Indented)));
        QVERIFY(value.contains(QLatin1Char('\n'))); // pretty, not the compact original
        QVERIFY(child<ui::ElidedLabel>(*m_panel, "valueKind")
                    ->fullText()
                    .startsWith(QLatin1String("JSON")));
        // and a null key shows as such
        selectRow(0);
        QCOMPARE(child<QLineEdit>(*m_panel, "recordKey")->text(), QString());
        QCOMPARE(child<QLineEdit>(*m_panel, "recordKey")->placeholderText(),
                 QStringLiteral("(null key)"));
    }

    void theIdColumnAndShowNotificationFollowTheEventId()
    {
        choosePartition(0);
        QVERIFY(load(0, 10, 5, false));
        // then each JSON record's id is in its column
        ui::RecordPageModel *model = m_panel->model();
        for (int row = 0; row < 5; ++row)
            QCOMPARE(model->index(row, ui::RecordPageModel::IdColumn).data().toString(),
                     QStringLiteral("evt-%1").arg(10 + row));
        // and selecting one offers its notification
        QSignalSpy asked(m_panel.get(), &ui::BrowserPanel::showNotificationRequested);
        selectRow(2);
        QCOMPARE(child<QLineEdit>(*m_panel, "recordId")->text(), QStringLiteral("evt-12"));
        auto *show = child<QPushButton>(*m_panel, "showNotification");
        QVERIFY(show->isEnabled());
        QTest::mouseClick(show, Qt::LeftButton);
        QCOMPARE(asked.count(), 1);
        QCOMPARE(asked.first().at(0).toByteArray(), QByteArray("evt-12"));
        // a record without an id (binary, in partition 1) has no such button
        choosePartition(1);
        QVERIFY(load(0, 0, 2, false));
        QCOMPARE(model->index(0, ui::RecordPageModel::IdColumn).data().toString(), QString());
        selectRow(0);
        QCOMPARE(child<QLineEdit>(*m_panel, "recordId")->placeholderText(),
                 QStringLiteral("(no id)"));
        QVERIFY(!show->isEnabled());
        // and, carrying no headers, it gives their room to the value and says so
        QVERIFY(!child<QTreeWidget>(*m_panel, "recordHeaders")->isVisibleTo(m_panel.get()));
        QVERIFY(child<ui::ElidedLabel>(*m_panel, "recordTimestamp")
                    ->fullText()
                    .endsWith(QLatin1String("; no headers")));
        // another pointer reads another field: the "seq" number is no string id
        model->setIdPointer("/seq");
        choosePartition(0);
        QVERIFY(load(0, 10, 1, false));
        QCOMPARE(model->index(0, ui::RecordPageModel::IdColumn).data().toString(), QString());
        model->setIdPointer("/id");
        QCOMPARE(model->index(0, ui::RecordPageModel::IdColumn).data().toString(),
                 QStringLiteral("evt-10"));
    }

    void binaryValueShowsHexAndTheToggleHexesText()
    {
        choosePartition(1);
        QVERIFY(load(0, 0, 2, false));
        QCOMPARE(shownOffsets(), range(0, 1));
        auto *value = child<QPlainTextEdit>(*m_panel, "recordValue");
        // when the binary record is selected, then it shows as a hex dump
        selectRow(0);
        QVERIFY2(value->toPlainText().startsWith(
                     QLatin1String("00000000  00 01 02 03 04 05 06 07  08 09")),
                 qPrintable(value->toPlainText()));
        QVERIFY(child<ui::ElidedLabel>(*m_panel, "valueKind")
                    ->fullText()
                    .startsWith(QLatin1String("binary")));
        // when the text record is selected, it shows as text, and as hex on demand
        selectRow(1);
        QCOMPARE(value->toPlainText(), QStringLiteral("plain text, not JSON"));
        auto *hex = child<QCheckBox>(*m_panel, "hexView");
        hex->setChecked(true);
        QVERIFY(value->toPlainText().startsWith(QLatin1String("00000000  70 6c 61 69")));
        hex->setChecked(false);
        QCOMPARE(value->toPlainText(), QStringLiteral("plain text, not JSON"));
    }

    void offsetBelowTheLowWatermarkShowsTheNotice()
    {
        choosePartition(2);
        const qint64 low = partitions()->item(2, 4)->text().toLongLong();
        QVERIFY(low > 0);
        QVERIFY(load(0, 0, 3, false));
        // then the page starts at the low watermark and the message line says why
        QCOMPARE(shownOffsets(), range(low, low + 2));
        QVERIFY2(message()->text().startsWith(
                     QStringLiteral("offset 0 is below the low watermark %1").arg(low)),
                 qPrintable(message()->text()));
        // and an offset past the end is an error in the message line, not a dialog
        QVERIFY(load(0, 5, 3, false)); // a valid page first, so the model resets
        child<QLineEdit>(*m_panel, "offset")->setText(QString::number(kRetentionRecords + 10));
        QTest::mouseClick(child<QPushButton>(*m_panel, "load"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(message()->text().startsWith(QLatin1String("page: ")), 20'000);
        QVERIFY(message()->text().contains(QLatin1String("past the end")));
    }

    void searchFiltersTheLoadedPage()
    {
        choosePartition(0);
        QVERIFY(load(0, 0, kJsonRecords, false));
        QCOMPARE(shownOffsets().size(), kJsonRecords);
        auto *search = child<QLineEdit>(*m_panel, "search");
        // when Ctrl+F is pressed in the panel, the search box takes the focus
        m_panel->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(m_panel.get()));
        records()->setFocus();
        QTest::keyClick(records(), Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(search->hasFocus());
        // when "EVT-2" is typed (any case)
        QTest::keyClicks(search, QStringLiteral("EVT-2"));
        // then only the values that contain it are shown: evt-2 and evt-20..29
        QList<qint64> expected{2};
        expected.append(range(20, 29));
        QCOMPARE(shownOffsets(), expected);
        // and headers are searched too
        search->setText(QStringLiteral("t-49"));
        QCOMPARE(shownOffsets(), QList<qint64>{49});
        search->clear();
        QCOMPARE(shownOffsets().size(), kJsonRecords);
    }

    void showRecordLoadsAndSelectsTheRecord()
    {
        // given another partition chosen and a search that would hide the record
        choosePartition(1);
        child<QLineEdit>(*m_panel, "search")->setText(QStringLiteral("nothing matches this"));
        // when a gap row asks for events/0 offset 33
        QSignalSpy reset(m_panel->model(), &QAbstractItemModel::modelReset);
        m_panel->showRecord("events", 0, 33);
        QVERIFY(reset.wait(20'000));
        // then the page starts there and the record is selected and shown
        QCOMPARE(shownOffsets().first(), 33);
        const QModelIndex current = records()->currentIndex();
        QVERIFY(current.isValid());
        QCOMPARE(current.siblingAtColumn(0).data().toLongLong(), 33);
        QCOMPARE(partitions()->currentRow(), 0);
        QCOMPARE(child<QLineEdit>(*m_panel, "offset")->text(), QStringLiteral("33"));
        QCOMPARE(child<QLineEdit>(*m_panel, "recordKey")->text(), QStringLiteral("k-33"));
        QVERIFY(child<QPlainTextEdit>(*m_panel, "recordValue")
                    ->toPlainText()
                    .contains(QLatin1String("\"evt-33\"")));
    }

    void modelBatchesInsertsAndTrims()
    {
        // given a model of capacity 5 holding 4 records, under the model tester
        ui::RecordPageModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCapacity(5);
        const auto batch = [](qint64 from, qint64 to) {
            QList<kafka::KafkaRecord> records;
            for (qint64 o = from; o <= to; ++o) {
                kafka::KafkaRecord r;
                r.offset = o;
                r.valueIsNull = false;
                r.value = "v";
                records.append(r);
            }
            return records;
        };
        for (const bool newestFirst : {false, true}) {
            QList<kafka::KafkaRecord> page = batch(0, 3);
            if (newestFirst)
                std::reverse(page.begin(), page.end());
            model.setRecords(page, newestFirst);
            QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
            QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
            // when a batch of 3 arrives
            model.appendRecords(batch(4, 6));
            // then one insert pair and one remove pair (inclusive last) keep 5 rows
            QCOMPARE(inserted.count(), 1);
            QCOMPARE(removed.count(), 1);
            QCOMPARE(model.rowCount(), 5);
            if (newestFirst) {
                QCOMPARE(inserted.at(0).at(1).toInt(), 0);
                QCOMPARE(inserted.at(0).at(2).toInt(), 2);
                QCOMPARE(removed.at(0).at(1).toInt(), 5);
                QCOMPARE(removed.at(0).at(2).toInt(), 6);
                QCOMPARE(model.record(0).offset, 6);
                QCOMPARE(model.record(4).offset, 2);
            } else {
                QCOMPARE(inserted.at(0).at(1).toInt(), 4);
                QCOMPARE(inserted.at(0).at(2).toInt(), 6);
                QCOMPARE(removed.at(0).at(1).toInt(), 0);
                QCOMPARE(removed.at(0).at(2).toInt(), 1);
                QCOMPARE(model.record(0).offset, 2);
                QCOMPARE(model.record(4).offset, 6);
            }
            // when a batch larger than the capacity arrives, only its newest stay
            inserted.clear();
            removed.clear();
            model.appendRecords(batch(7, 20));
            QCOMPARE(inserted.count(), 1);
            QCOMPARE(removed.count(), 1);
            QCOMPARE(model.rowCount(), 5);
            QCOMPARE(model.rowOfOffset(20), newestFirst ? 0 : 4);
            QCOMPARE(model.rowOfOffset(15), -1);
        }
    }

    void liveTailAppendsNewRecordsInBatches()
    {
        // given the end of partition 0 on the table, bounded to 20 rows
        choosePartition(0);
        QVERIFY(load(2, 0, 5, false));
        ui::RecordPageModel *model = m_panel->model();
        model->setCapacity(20);
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(model, &QAbstractItemModel::modelReset);
        // when the live tail is on and 30 records are produced
        child<QCheckBox>(*m_panel, "liveTail")->setChecked(true);
        QTRY_VERIFY_WITH_TIMEOUT(message()->text().startsWith(QLatin1String("Following events/0")),
                                 20'000);
        for (int n = kJsonRecords; n < kJsonRecords + 30; ++n)
            QVERIFY(m_producer->produce(0, keyOf(n), jsonValue(n), 0, {}));
        QVERIFY(m_producer->flush());
        // then they are appended, the oldest trimmed, in batches
        QTRY_COMPARE_WITH_TIMEOUT(model->record(model->rowCount() - 1).offset, kJsonRecords + 29,
                                  20'000);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(model->rowCount(), 20);
        QCOMPARE(shownOffsets(), range(kJsonRecords + 10, kJsonRecords + 29));
        int insertedRows = 0;
        for (const QList<QVariant> &args : std::as_const(inserted))
            insertedRows += args.at(2).toInt() - args.at(1).toInt() + 1;
        int removedRows = 0;
        for (const QList<QVariant> &args : std::as_const(removed))
            removedRows += args.at(2).toInt() - args.at(1).toInt() + 1;
        qInfo("30 tail records arrived in %lld insert(s) and %lld remove(s)",
              static_cast<long long>(inserted.count()), static_cast<long long>(removed.count()));
        // A batch larger than the capacity inserts only its newest rows; either way
        // 5 page rows + 30 tail records - the trimmed ones = the 20 kept.
        QVERIFY(insertedRows <= 30);
        QCOMPARE(5 + insertedRows - removedRows, 20);
        QVERIFY(inserted.count() < 30); // batches, never one insert per record
        QVERIFY(removed.count() <= inserted.count());
        // when the tail is off, new records no longer arrive
        child<QCheckBox>(*m_panel, "liveTail")->setChecked(false);
        QTRY_VERIFY(message()->text().startsWith(QLatin1String("Live tail stopped")));
        QVERIFY(m_producer->produce(0, "late", jsonValue(999)));
        QVERIFY(m_producer->flush());
        QTest::qWait(3 * kafka::BrowserWorker::kTailFlushIntervalMs + 200);
        QCOMPARE(model->record(model->rowCount() - 1).offset, kJsonRecords + 29);
    }

    void watermarksRefreshWithoutAClick()
    {
        // given the table as it is, partition 1's high watermark on it
        choosePartition(1);
        const int row = rowOf(1);
        QVERIFY(row >= 0);
        const qint64 high = partitions()->item(row, 5)->text().toLongLong();
        // when three records are produced and nobody clicks Refresh
        for (int n = 0; n < 3; ++n)
            QVERIFY(m_producer->produce(1, "more", "text"));
        QVERIFY(m_producer->flush());
        // then the table follows within a few refresh periods
        QTRY_COMPARE_WITH_TIMEOUT(partitions()->item(rowOf(1), 5)->text().toLongLong(), high + 3,
                                  5 * ui::BrowserPanel::kAutoRefreshMs);
        QCOMPARE(partitions()->item(rowOf(1), 8)->text(), QStringLiteral("ok"));
        QVERIFY(m_panel->clusterProblem().isEmpty());
    }

    void aBrokerDownShowsInThePartitionTableAndClears()
    {
        // given partition 0's leader
        choosePartition(0);
        const qint32 leader = partitions()->item(rowOf(0), 1)->text().toInt();
        QSignalSpy problems(m_panel.get(), &ui::BrowserPanel::clusterProblemChanged);
        // when that broker goes down
        QString error;
        QVERIFY2(m_box.kafka().setBrokerDown(leader, true, &error), qPrintable(error));
        // then the partitions it leads or holds say so, and the panel reports a problem
        QTRY_VERIFY_WITH_TIMEOUT(!m_panel->clusterProblem().isEmpty(), 30'000);
        QTRY_VERIFY_WITH_TIMEOUT(partitions()->item(rowOf(0), 8)->text() != QLatin1String("ok"),
                                 30'000);
        QVERIFY2(!problems.isEmpty(), "clusterProblemChanged was not emitted");
        qInfo("broker %d down: %s", leader, qPrintable(m_panel->clusterProblem()));
        // when it comes back, every partition answers again and the problem clears
        QVERIFY2(m_box.kafka().setBrokerDown(leader, false, &error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(m_panel->clusterProblem().isEmpty(), 60'000);
        for (int r = 0; r < partitions()->rowCount(); ++r)
            QCOMPARE(partitions()->item(r, 8)->text(), QStringLiteral("ok"));
        QVERIFY(problems.last().at(0).toString().isEmpty());
    }
};

QTEST_MAIN(TestBrowserPanel)
#include "tst_browserpanel.moc"
