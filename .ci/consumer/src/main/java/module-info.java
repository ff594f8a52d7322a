/** The consumer as a named module, for `java -p mods -m app/app.Main`; elsewhere this file is ignored. */
module app {
  requires dev.procpool;
}
