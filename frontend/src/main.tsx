import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App, preloadFor } from "./App";
import { AuthProvider } from "./auth/AuthContext";
import { loadSession } from "./auth/session";
import "./styles.css";

preloadFor(window.location.pathname, loadSession() !== null);

const root = document.getElementById("root");
if (!root) throw new Error("index.html lacks #root");

createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <AuthProvider>
        <App />
      </AuthProvider>
    </BrowserRouter>
  </StrictMode>,
);
