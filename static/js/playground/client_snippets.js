// The code shown by the "Client Libraries" card of the REST reference (rest.js): one
// ready-to-run request per language, sending the key as the Authorization header, for the
// language picked in the card. Scalar reads them from the document's
// `info.x-scalar-sdk-installation`, matched on the language (the part of the client id
// before the slash: "shell" for "shell/curl"); a language without one would show its name
// and nothing else, so the reference offers only the languages listed here.

// JavaScript, in Node.js and in browsers alike.
function withFetch({ url, authorization }) {
  return `const response = await fetch("${url}", {
  headers: { Authorization: "${authorization}" },
});
console.log(await response.json());`;
}

const SNIPPETS = {
  shell: {
    description: "With curl:",
    source: ({ url, authorization }) => `curl '${url}' \\
  --header 'Authorization: ${authorization}'`,
  },
  http: {
    description: "The raw HTTP request:",
    source: ({ url, authorization }) => {
      const { host, pathname, search } = new URL(url);
      return `GET ${pathname}${search} HTTP/1.1
Host: ${host}
Authorization: ${authorization}
Accept: application/json`;
    },
  },
  node: {
    description: "With Node.js 18 or later (fetch is built in):",
    source: withFetch,
  },
  js: {
    description: "In a browser, with fetch:",
    source: withFetch,
  },
  python: {
    description: "With Python and requests (pip install requests):",
    source: ({ url, authorization }) => `import requests

response = requests.get(
    "${url}",
    headers={"Authorization": "${authorization}"},
    timeout=10,
)
print(response.json())`,
  },
  ruby: {
    description: "With Ruby's standard library:",
    source: ({ url, authorization }) => `require "net/http"
require "json"

uri = URI("${url}")
request = Net::HTTP::Get.new(uri)
request["Authorization"] = "${authorization}"
response = Net::HTTP.start(uri.hostname, uri.port, use_ssl: uri.scheme == "https") do |http|
  http.request(request)
end
puts JSON.parse(response.body)`,
  },
  php: {
    description: "With PHP's curl extension:",
    source: ({ url, authorization }) => `<?php
$curl = curl_init("${url}");
curl_setopt_array($curl, [
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_HTTPHEADER => ["Authorization: ${authorization}"],
]);
$body = json_decode(curl_exec($curl), true);
curl_close($curl);
print_r($body);`,
  },
  go: {
    description: "With Go's standard library:",
    source: ({ url, authorization }) => `package main

import (
	"fmt"
	"io"
	"net/http"
)

func main() {
	request, _ := http.NewRequest("GET", "${url}", nil)
	request.Header.Set("Authorization", "${authorization}")
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		panic(err)
	}
	defer response.Body.Close()
	body, _ := io.ReadAll(response.Body)
	fmt.Println(string(body))
}`,
  },
  java: {
    description: "With Java 11 or later (java.net.http):",
    source: ({ url, authorization }) => `import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

HttpRequest request = HttpRequest.newBuilder(URI.create("${url}"))
    .header("Authorization", "${authorization}")
    .build();
HttpResponse<String> response = HttpClient.newHttpClient()
    .send(request, HttpResponse.BodyHandlers.ofString());
System.out.println(response.body());`,
  },
  csharp: {
    description: "With C# and HttpClient:",
    source: ({ url, authorization }) => `using System.Net.Http;

using var client = new HttpClient();
client.DefaultRequestHeaders.Add("Authorization", "${authorization}");
Console.WriteLine(await client.GetStringAsync("${url}"));`,
  },
  powershell: {
    description: "With PowerShell:",
    source: ({ url, authorization }) => `$headers = @{ Authorization = "${authorization}" }
Invoke-RestMethod -Uri "${url}" -Headers $headers`,
  },
};

// -> the `x-scalar-sdk-installation` list: {lang, description, source} per language.
// `url`: the request every snippet sends; `summary`: what it returns, e.g. "The first
// five people of this workspace".
export function clientSnippets({ url, key, summary }) {
  const authorization = `Bearer ${key || "YOUR_API_KEY"}`;
  return Object.entries(SNIPPETS).map(([lang, snippet]) => ({
    lang,
    description: `${summary}. ${snippet.description}`,
    source: snippet.source({ url, authorization }),
  }));
}
