package dev.quarry.suggest.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quarry.suggest.SuggestIndex;
import dev.quarry.suggest.SuggestIndexConfig;
import dev.quarry.suggest.SuggestIndexRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in headless Chromium: typing key by key shows the expected suggestions, the arrow
 * keys, enter and escape work, picking a suggestion runs a search through {@code /v1/search} (a
 * fake coordinator here) and shows its hits, and a document named like an HTML tag is shown as
 * text, never parsed. Skipped only when /usr/bin/chromium is absent (CI installs it).
 */
class DemoPageBrowserIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String XSS = "<img src=x onerror=alert(1)>";

  private static SuggestIndex index;
  private static FakeCoordinator coordinator;
  private static SuggestHttpServer server;
  private static WebDriver driver;

  @BeforeAll
  static void start() {
    Assumptions.assumeTrue(Files.exists(CHROMIUM), "/usr/bin/chromium is not installed");
    index = SuggestIndex.builder("packages").config(SuggestIndexConfig.manual()).build();
    index.upsert("react", List.of("react"), 100);
    index.upsert("react-dom", List.of("react-dom"), 50);
    index.upsert("redux", List.of("redux"), 40);
    index.upsert(XSS, List.of(XSS), 30);
    index.rebuildNow();
    index.upsert("reactive", List.of("reactive"), 10); // delta only: visible anyway
    SuggestIndexRegistry indexes = new SuggestIndexRegistry();
    indexes.register(index);
    coordinator =
        new FakeCoordinator(Map.of(
            "react", "{\"name\":\"react\"}",
            XSS, "{\"name\":\"" + XSS + "\"}"));
    server = SuggestHttpServer.start(
        SuggestHttpConfig.ephemeral().withIoThreads(1).withCoordinator(coordinator.address()),
        indexes, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (server != null) {
      server.close();
    }
    if (coordinator != null) {
      coordinator.close();
    }
    if (index != null) {
      index.close();
    }
  }

  @BeforeEach
  void openPage() {
    driver.get("http://127.0.0.1:" + server.port() + "/?index=packages");
  }

  @Test
  void suggestionsFollowEveryKeystrokeAndTheKeyboardWorks() {
    WebElement q = driver.findElement(By.id("q"));
    typeKeyByKey(q, "r");
    awaitSuggestions("react", "react-dom", "redux", "reactive");
    typeKeyByKey(q, "eac");
    awaitSuggestions("react", "react-dom", "reactive");
    typeKeyByKey(q, "t-");
    awaitSuggestions("react-dom", "react", "reactive"); // exact first, then one edit away
    q.sendKeys(Keys.BACK_SPACE);
    awaitSuggestions("react", "react-dom", "reactive");

    q.sendKeys(Keys.ARROW_DOWN);
    q.sendKeys(Keys.ARROW_DOWN);
    await(() -> selected().equals("react-dom"));
    q.sendKeys(Keys.ARROW_UP);
    await(() -> selected().equals("react"));
    q.sendKeys(Keys.ESCAPE);
    awaitSuggestions();

    typeKeyByKey(q, "x"); // "reactx": one edit from react, reactive and react-dom
    awaitSuggestions("react", "react-dom", "reactive");
    q.sendKeys(Keys.BACK_SPACE);
    awaitSuggestions("react", "react-dom", "reactive");
    q.sendKeys(Keys.ARROW_DOWN);
    q.sendKeys(Keys.ENTER);
    await(() -> q.getAttribute("value").equals("react"));
    await(() -> texts("#hits .id").equals(List.of("react")));
    awaitSuggestions();
    assertThat(coordinator.requests).anyMatch(r -> r.getQuery().equals("\"react\""));
  }

  @Test
  void aDocumentNamedLikeATagIsShownAsText() {
    WebElement q = driver.findElement(By.id("q"));
    typeKeyByKey(q, "<im");
    awaitSuggestions(XSS);
    assertThat(driver.findElements(By.cssSelector("#suggestions img"))).isEmpty();
    q.sendKeys(Keys.ARROW_DOWN);
    q.sendKeys(Keys.ENTER);
    await(() -> texts("#hits .id").equals(List.of(XSS)));
    assertThat(driver.findElements(By.tagName("img"))).isEmpty();
    assertThat(driver.findElement(By.cssSelector("#hits .source")).getText()).contains(XSS);
    boolean alerted;
    try {
      driver.switchTo().alert();
      alerted = true;
    } catch (NoAlertPresentException e) {
      alerted = false;
    }
    assertThat(alerted).as("no script ran").isFalse();
  }

  private static void typeKeyByKey(WebElement q, String keys) {
    for (char c : keys.toCharArray()) {
      q.sendKeys(String.valueOf(c));
    }
  }

  private static void awaitSuggestions(String... expected) {
    new WebDriverWait(driver, Duration.ofSeconds(10))
        .withMessage(() -> "suggestions " + texts("#suggestions .text") + ", expected " + List.of(expected))
        .until(d -> texts("#suggestions .text").equals(List.of(expected)));
  }

  private static String selected() {
    List<String> rows = texts("#suggestions li[aria-selected='true'] .text");
    return rows.isEmpty() ? "" : rows.get(0);
  }

  /** The text of every element matching {@code css}, read in one script (the list re-renders). */
  @SuppressWarnings("unchecked")
  private static List<String> texts(String css) {
    return (List<String>) ((JavascriptExecutor) driver).executeScript(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.textContent);", css);
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> condition.getAsBoolean());
  }
}
