// The consumer for Gradle (run.sh runs `gradle run` where Gradle is installed). Between the plugins and
// the application settings: the README's Gradle snippet, verbatim.
plugins {
    application
}

repositories {
    mavenLocal()
    mavenCentral()
}

dependencies {
    implementation("dev.procpool:procpool-core:0.1.0-SNAPSHOT")
}

application {
    mainClass.set("app.Main")
}
