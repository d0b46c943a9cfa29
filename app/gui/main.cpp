// SPDX-License-Identifier: MIT
// dualscope: the desktop workbench. With no connection configured it opens in the
// sandbox; DUALSCOPE_KAFKA and DUALSCOPE_REDIS (or --kafka/--redis) connect it to
// a real cluster instead.
#include "main/logpanel.h"
#include "main/mainwindow.h"
#include "services.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QIcon>
#include <QMessageBox>
#include <cstdio>

int main(int argc, char *argv[])
{
    QElapsedTimer sinceLaunch;
    sinceLaunch.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Dualscope"));
    QApplication::setApplicationName(QStringLiteral("dualscope"));
    QApplication::setApplicationVersion(QStringLiteral(DUALSCOPE_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/dualscope.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Dualscope: Kafka + Redis Pub/Sub workbench."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("kafka"), QStringLiteral("Kafka bootstrap servers."),
                      QStringLiteral("BOOTSTRAP")});
    parser.addOption(
        {QStringLiteral("redis"), QStringLiteral("Redis URL."), QStringLiteral("URL")});
    parser.addOption({QStringLiteral("topic"), QStringLiteral("Kafka topic (default events)."),
                      QStringLiteral("TOPIC"), QStringLiteral("events")});
    parser.addOption({QStringLiteral("startup-benchmark"),
                      QStringLiteral("Print how long the window took to be ready (sandbox up, "
                                     "streams watched), then quit.")});
    parser.process(app);

    dualscope::app::ConnectionSettings settings;
    const QString kafka = parser.isSet(QStringLiteral("kafka"))
                              ? parser.value(QStringLiteral("kafka"))
                              : qEnvironmentVariable("DUALSCOPE_KAFKA");
    const QString redis = parser.isSet(QStringLiteral("redis"))
                              ? parser.value(QStringLiteral("redis"))
                              : qEnvironmentVariable("DUALSCOPE_REDIS");
    settings.topic = parser.value(QStringLiteral("topic")).toUtf8();
    if (!kafka.isEmpty() && !redis.isEmpty()) {
        settings.sandbox = false;
        settings.name = kafka;
        settings.kafkaBootstrap = kafka.toUtf8();
        settings.redisUrl = redis;
    }

    dualscope::ui::MainWindow window;
    dualscope::ui::LogPanel::installMessageHandler(window.logPanel());
    dualscope::app::Services services(&window);
    QObject::connect(&services, &dualscope::app::Services::failed, &window,
                     [&window](const QString &error) {
                         auto *box = new QMessageBox(QMessageBox::Critical,
                                                     QObject::tr("Dualscope cannot start"), error,
                                                     QMessageBox::Close, &window);
                         box->setAttribute(Qt::WA_DeleteOnClose);
                         box->open();
                     });
    if (parser.isSet(QStringLiteral("startup-benchmark"))) {
        QObject::connect(&services, &dualscope::app::Services::ready, &window, [&sinceLaunch] {
            std::printf("window ready in %lld ms (target < 2000)\n",
                        static_cast<long long>(sinceLaunch.elapsed()));
            QApplication::quit();
        });
    }
    window.show(); // first: the window appears while the sandbox starts
    services.start(settings);
    const int result = QApplication::exec();
    dualscope::ui::LogPanel::installMessageHandler(nullptr);
    return result;
}
