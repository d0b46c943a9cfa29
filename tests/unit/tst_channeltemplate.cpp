// SPDX-License-Identifier: MIT
#include "event/channeltemplate.h"

#include <QTest>

using namespace dualscope::event;

class TestChannelTemplate final : public QObject
{
    Q_OBJECT

private slots:
    void defaultTemplateExpands()
    {
        Event event;
        event.sourceType = "repo";
        event.sourceId = "owner/repo";
        event.type = "push";
        QByteArray channel;
        QString error;
        QVERIFY(ChannelTemplate::defaultTemplate().expand(event, &channel, &error));
        QCOMPARE(channel, QByteArray("events:repo:owner/repo"));
        QCOMPARE(ChannelTemplate::defaultTemplate().subscriptionPattern(), QByteArray("events:*"));
    }

    void customTemplate()
    {
        QString error;
        const auto tmpl = ChannelTemplate::parse(QStringLiteral("app.{type}/{source_id}"), &error);
        QVERIFY2(tmpl, qPrintable(error));
        Event event;
        event.type = "order.created";
        event.sourceId = "u1";
        event.sourceType = "user";
        QByteArray channel;
        QVERIFY(tmpl->expand(event, &channel, &error));
        QCOMPARE(channel, QByteArray("app.order.created/u1"));
        QCOMPARE(tmpl->subscriptionPattern(), QByteArray("app.*"));
    }

    void badTemplatesAreRefused_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty") << QString() << "empty";
        QTest::newRow("star") << "events:*:{source_id}"
                              << "'*'";
        QTest::newRow("question") << "events?:{source_id}"
                                  << "'?'";
        QTest::newRow("bracket") << "events[1]:{source_id}"
                                 << "'['";
        QTest::newRow("newline") << "events\n:{source_id}"
                                 << "newline";
        QTest::newRow("space") << "my events:{source_id}"
                               << "whitespace";
        QTest::newRow("unknown placeholder") << "events:{user}"
                                             << "unknown placeholder {user}";
        QTest::newRow("per-event channel") << "events:{id}"
                                           << "one channel per event";
        QTest::newRow("unclosed") << "events:{source_id"
                                  << "without its '}'";
        QTest::newRow("stray close") << "events}:{source_id}"
                                     << "without its '{'";
        QTest::newRow("adjacent") << "events:{source_type}{source_id}"
                                  << "separated";
        QTest::newRow("empty part") << "events::{source_id}"
                                    << "empty part";
        QTest::newRow("trailing colon") << "events:{source_id}:"
                                        << "empty part";
    }
    void badTemplatesAreRefused()
    {
        QFETCH(QString, text);
        QFETCH(QString, why);
        QString error;
        QVERIFY(!ChannelTemplate::parse(text, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
    }

    void badValuesAreRefusedNamingTheField_data()
    {
        QTest::addColumn<QByteArray>("sourceType");
        QTest::addColumn<QByteArray>("sourceId");
        QTest::addColumn<QString>("why");
        QTest::newRow("empty source id")
            << QByteArray("user") << QByteArray() << "source_id is empty";
        QTest::newRow("empty source type")
            << QByteArray() << QByteArray("x") << "source_type is empty";
        QTest::newRow("glob in id") << QByteArray("user") << QByteArray("a*b") << "'*'";
        QTest::newRow("bracket in id") << QByteArray("user") << QByteArray("a[1]") << "'['";
        QTest::newRow("newline in type") << QByteArray("us\ner") << QByteArray("x") << "newline";
    }
    void badValuesAreRefusedNamingTheField()
    {
        QFETCH(QByteArray, sourceType);
        QFETCH(QByteArray, sourceId);
        QFETCH(QString, why);
        Event event;
        event.type = "t";
        event.sourceType = sourceType;
        event.sourceId = sourceId;
        QByteArray channel;
        QString error;
        QVERIFY(!ChannelTemplate::defaultTemplate().expand(event, &channel, &error));
        QVERIFY2(error.contains(why), qPrintable(error));
    }
};

QTEST_APPLESS_MAIN(TestChannelTemplate)
#include "tst_channeltemplate.moc"
