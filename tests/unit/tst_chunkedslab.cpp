// SPDX-License-Identifier: MIT
#include "gap/chunkedslab.h"

#include <QByteArray>
#include <QTest>

using dualscope::gap::ChunkedSlab;

class TestChunkedSlab : public QObject
{
    Q_OBJECT

private slots:
    void slotsAreNumberedInOrder();
    void referencesSurviveGrowth();
    void valuesAreKeptAcrossChunks();
};

void TestChunkedSlab::slotsAreNumberedInOrder()
{
    ChunkedSlab<int> slab;
    QCOMPARE(slab.size(), 0u);
    for (quint32 i = 0; i < 3; ++i)
        QCOMPARE(slab.append(), i);
    QCOMPARE(slab.size(), 3u);
    QCOMPARE(slab[2], 0); // appended default-constructed
}

void TestChunkedSlab::referencesSurviveGrowth()
{
    ChunkedSlab<QByteArray> slab;
    const quint32 first = slab.append();
    QByteArray &held = slab[first];
    held = "first";
    const QByteArray *address = &held;
    // Three chunks' worth of appends: a vector would have moved its block many times.
    for (quint32 i = 1; i < 3 * ChunkedSlab<QByteArray>::kChunk; ++i)
        slab.append();
    QCOMPARE(&slab[first], address);
    QCOMPARE(held, QByteArray("first"));
}

void TestChunkedSlab::valuesAreKeptAcrossChunks()
{
    ChunkedSlab<quint32> slab;
    const quint32 count = 2 * ChunkedSlab<quint32>::kChunk + 7;
    for (quint32 i = 0; i < count; ++i)
        slab[slab.append()] = i * 3;
    QCOMPARE(slab.size(), count);
    for (const quint32 slot :
         {0u, ChunkedSlab<quint32>::kChunk - 1, ChunkedSlab<quint32>::kChunk, count - 1})
        QCOMPARE(slab[slot], slot * 3);
}

QTEST_APPLESS_MAIN(TestChunkedSlab)
#include "tst_chunkedslab.moc"
