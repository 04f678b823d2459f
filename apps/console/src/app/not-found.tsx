// An address the console does not have (outside the console's layout): answered with HTTP 404.
import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Not found" };

export default function NotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <p>
        Nothing here. <Link href="/payments">Back to payments</Link>
      </p>
    </main>
  );
}
