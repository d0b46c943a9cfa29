// SPDX-License-Identifier: MIT
// The house rules that a reviewer would otherwise have to remember (STYLE.md):
//  - ui/ holds widgets only: it includes no librdkafka or hiredis header and none
//    of the core's client classes, and it starts no thread. app/ builds the
//    services and moves them to their threads; ui/ sees their value types.
//  - every connect() names a context object, so that a lambda never outlives the
//    object it touches (Qt 6.4 has no QT_NO_CONTEXTLESS_CONNECT to enforce it).
// The sources are read from the tree this test was built from.
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QTest>

namespace {

// The source text with comments and string and character literals blanked out
// (same length, newlines kept), so that a rule never matches prose or a literal
// and line numbers still hold.
QByteArray codeOnly(const QByteArray &source)
{
    QByteArray code = source;
    enum class State { Code, LineComment, BlockComment, String, Char } state = State::Code;
    for (qsizetype i = 0; i < code.size(); ++i) {
        const char c = code[i];
        const char next = i + 1 < code.size() ? code[i + 1] : '\0';
        switch (state) {
        case State::Code:
            if (c == '/' && next == '/')
                state = State::LineComment;
            else if (c == '/' && next == '*')
                state = State::BlockComment;
            else if (c == '"')
                state = State::String;
            else if (c == '\'' && !(i > 0 && std::isxdigit(uchar(code[i - 1]))))
                state = State::Char; // not a digit separator (1'000'000)
            else
                break;
            code[i] = ' ';
            break;
        case State::LineComment:
            if (c == '\n')
                state = State::Code;
            else
                code[i] = ' ';
            break;
        case State::BlockComment:
            if (c == '*' && next == '/') {
                code[i] = code[i + 1] = ' ';
                ++i;
                state = State::Code;
            } else if (c != '\n') {
                code[i] = ' ';
            }
            break;
        case State::String:
        case State::Char:
            if (c == '\\') {
                code[i] = ' ';
                if (i + 1 < code.size() && code[i + 1] != '\n')
                    code[++i] = ' ';
                break;
            }
            if ((state == State::String && c == '"') || (state == State::Char && c == '\''))
                state = State::Code;
            if (c != '\n')
                code[i] = ' ';
            break;
        }
    }
    return code;
}

int lineOf(const QByteArray &text, qsizetype offset)
{
    return int(text.left(offset).count('\n')) + 1;
}

// The number of top-level arguments of the call whose '(' is at `open`, or -1
// when the parentheses do not close.
int argumentCount(const QByteArray &code, qsizetype open)
{
    int depth = 0;
    int commas = 0;
    bool anything = false;
    for (qsizetype i = open; i < code.size(); ++i) {
        const char c = code[i];
        if (c == '(' || c == '[' || c == '{') {
            ++depth;
        } else if (c == ')' || c == ']' || c == '}') {
            if (--depth == 0)
                return anything ? commas + 1 : 0;
        } else if (depth == 1 && c == ',') {
            ++commas;
        }
        if (depth >= 1 && i > open && !std::isspace(uchar(c)))
            anything = true;
    }
    return -1;
}

// "file:line: connect(...) with N arguments" for every connect call without a
// context object: QObject::connect(sender, signal, functor) has three arguments.
// Member-function syntax (a.connect(...), p->connect(...)) is another API.
QStringList contextlessConnects(const QString &name, const QByteArray &source)
{
    static const QRegularExpression call(QStringLiteral("(?<![\\w.>])connect\\s*\\("));
    const QByteArray code = codeOnly(source);
    const QString text = QString::fromLatin1(code);
    QStringList found;
    auto it = call.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        const qsizetype open = match.capturedEnd() - 1;
        // A declaration or definition of a function named connect is not a call.
        const QString before = text.left(match.capturedStart()).trimmed();
        if (before.endsWith(QLatin1String("void")) || before.endsWith(QLatin1String("bool")))
            continue;
        if (argumentCount(code, open) == 3)
            found << QStringLiteral("%1:%2: connect() without a context object")
                         .arg(name)
                         .arg(lineOf(code, open));
    }
    return found;
}

// Headers ui/ must not include: the network libraries, and the core classes that
// own a connection or a thread (their value types live in headers of their own:
// kafka/browsertypes.h, redis/pubsubtypes.h).
const char *const kForbiddenInUi[] = {
    "librdkafka/",
    "rdkafka.h",
    "hiredis",
    "kafka/kafkabrowser.h",
    "kafka/kafkatail.h",
    "kafka/brokerprobe.h",
    "check/catchup.h",
    "check/checksession.h",
    "check/recentevents.h",
    "redis/redisconnection.h",
    "redis/redismonitor.h",
    "publish/dualpublisher.h",
    "publish/notificationsender.h",
    "sandbox/",
};

QStringList forbiddenIncludes(const QString &name, const QByteArray &source)
{
    static const QRegularExpression include(
        QStringLiteral("^\\s*#\\s*include\\s*[<\"]([^>\"]+)[>\"]"),
        QRegularExpression::MultilineOption);
    QStringList found;
    auto it = include.globalMatch(QString::fromUtf8(source));
    while (it.hasNext()) {
        const auto match = it.next();
        const QString header = match.captured(1);
        for (const char *forbidden : kForbiddenInUi) {
            if (header.contains(QLatin1String(forbidden))) {
                found << QStringLiteral("%1:%2: ui/ includes <%3>")
                             .arg(name)
                             .arg(lineOf(source, match.capturedStart()))
                             .arg(header);
                break;
            }
        }
    }
    return found;
}

// ui/ starts no thread: services are moved to their threads by app/.
QStringList threadsStarted(const QString &name, const QByteArray &source)
{
    static const QRegularExpression thread(
        QStringLiteral("\\bnew\\s+QThread\\b|\\bQThread::create\\b|\\bmoveToThread\\s*\\(|"
                       "\\bQtConcurrent\\b"));
    const QByteArray code = codeOnly(source);
    QStringList found;
    auto it = thread.globalMatch(QString::fromLatin1(code));
    while (it.hasNext()) {
        const auto match = it.next();
        found << QStringLiteral("%1:%2: ui/ starts a thread (%3)")
                     .arg(name)
                     .arg(lineOf(code, match.capturedStart()))
                     .arg(match.captured(0));
    }
    return found;
}

// Every .h and .cpp under `folder` of the source tree, as (relative name, text).
QList<std::pair<QString, QByteArray>> sources(const QString &folder)
{
    const QString root = QStringLiteral(DUALSCOPE_SOURCE_DIR "/");
    QList<std::pair<QString, QByteArray>> files;
    QDirIterator it(root + folder, {QStringLiteral("*.h"), QStringLiteral("*.cpp")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        if (file.open(QIODevice::ReadOnly))
            files.append({path.mid(root.size()), file.readAll()});
    }
    return files;
}

} // namespace

class TestLayerRules final : public QObject
{
    Q_OBJECT

private slots:
    // The scanners themselves, on known text: a rule that can never fire proves nothing.
    void theScannerFindsAContextlessConnect()
    {
        const QByteArray sample = "void f() {\n"
                                  "    connect(a, &A::b, this, [] {});\n"
                                  "    QObject::connect(a, &A::b, [x, y] { g(x, y); });\n"
                                  "    // connect(a, &A::b, [] {}); in a comment\n"
                                  "    auto s = \"connect(a, b, c)\";\n"
                                  "    socket.connect(host, port, flags);\n"
                                  "    disconnect(a, &A::b, this);\n"
                                  "    connect(a, &A::b, b, &B::c, Qt::QueuedConnection);\n"
                                  "}\n";
        QCOMPARE(contextlessConnects(QStringLiteral("s.cpp"), sample),
                 QStringList{QStringLiteral("s.cpp:3: connect() without a context object")});
    }

    void theScannerFindsAForbiddenIncludeAndAThread()
    {
        const QByteArray sample = "#include \"kafka/browsertypes.h\"\n"
                                  "#include <librdkafka/rdkafka.h>\n"
                                  "#include \"redis/redisconnection.h\"\n"
                                  "// new QThread in a comment is fine\n"
                                  "auto *t = new QThread;\n";
        QCOMPARE(forbiddenIncludes(QStringLiteral("x.h"), sample).size(), 2);
        QCOMPARE(threadsStarted(QStringLiteral("x.h"), sample),
                 QStringList{QStringLiteral("x.h:5: ui/ starts a thread (new QThread)")});
    }

    void uiIncludesNoClientAndStartsNoThread()
    {
        const auto files = sources(QStringLiteral("ui"));
        QVERIFY2(files.size() > 20, "the ui/ sources were not found");
        QStringList broken;
        for (const auto &[name, text] : files)
            broken << forbiddenIncludes(name, text) << threadsStarted(name, text);
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(QLatin1Char('\n'))));
    }

    void everyConnectHasAContextObject()
    {
        QStringList broken;
        int files = 0;
        for (const char *folder : {"ui", "app", "core", "bench", "tests"}) {
            for (const auto &[name, text] : sources(QLatin1String(folder))) {
                ++files;
                // This file's own samples break the rule on purpose.
                if (!name.endsWith(QLatin1String("tst_layerrules.cpp")))
                    broken << contextlessConnects(name, text);
            }
        }
        QVERIFY(files > 100);
        QVERIFY2(broken.isEmpty(), qPrintable(broken.join(QLatin1Char('\n'))));
    }
};

QTEST_GUILESS_MAIN(TestLayerRules)
#include "tst_layerrules.moc"
